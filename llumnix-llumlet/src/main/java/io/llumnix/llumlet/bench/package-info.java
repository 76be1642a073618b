/**
 * {@code llumnix bench migration}: live migration between two engine processes over loopback gRPC, against a
 * blocking copy and recompute on the destination (the paper's Fig. 10), with token identity checked.
 */
@NullMarked
package io.llumnix.llumlet.bench;

import org.jspecify.annotations.NullMarked;
