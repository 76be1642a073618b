/** The scheduler's decision-time benchmark ({@code llumnix bench scheduler}). */
@NullMarked
package io.llumnix.scheduler.bench;

import org.jspecify.annotations.NullMarked;
