/**
 * The llumlet: the agent beside each engine instance. It migrates running requests to other instances
 * with a staged KV copy (the request keeps decoding until the last, small stage), receives migrations, and
 * reports the instance's status.
 */
@NullMarked
package io.llumnix.llumlet;

import org.jspecify.annotations.NullMarked;
