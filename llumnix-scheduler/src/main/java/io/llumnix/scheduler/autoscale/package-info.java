/**
 * Auto-scaling advice (the paper's §4.4): the cluster's aggregate freeness, kept outside
 * [{@code --scale-up-threshold}, {@code --scale-down-threshold}] for {@code --scaling-duration-ms}, advises adding
 * an instance or draining one. The advisor only advises; a deployment (e.g. {@code llumnix serve --autoscale})
 * acts on {@link io.llumnix.scheduler.autoscale.AutoscaleAdvice}.
 */
@NullMarked
package io.llumnix.scheduler.autoscale;

import org.jspecify.annotations.NullMarked;
