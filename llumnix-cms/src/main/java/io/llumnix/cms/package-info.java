/**
 * The cluster meta store (CMS): where llumlets publish each instance's metadata and real-time
 * {@link io.llumnix.core.InstanceStatus}, and where the scheduler reads them. One contract,
 * {@link io.llumnix.cms.ClusterMetaStore}, with an embedded in-memory implementation (the default) and a
 * Redis one; plus {@link io.llumnix.cms.InstanceDiscovery} (static list, or the store itself).
 *
 * <p>Failures of the backing store never escape as exceptions from reads or writes: writes report
 * {@code false}, point reads report empty, and bulk reads report {@link io.llumnix.cms.ReadResult.Unavailable}
 * so that callers can tell "nothing there" from "could not look".
 */
@NullMarked
package io.llumnix.cms;

import org.jspecify.annotations.NullMarked;
