@NullMarked
package io.llumnix.engine.sched;

import org.jspecify.annotations.NullMarked;
