@NullMarked
package io.llumnix.scheduler;

import org.jspecify.annotations.NullMarked;
