/** Per-request metrics, their aggregation, and the outputs: terminal tables, CSV, PNG charts and an HTML index. */
@NullMarked
package io.llumnix.sim.report;

import org.jspecify.annotations.NullMarked;
