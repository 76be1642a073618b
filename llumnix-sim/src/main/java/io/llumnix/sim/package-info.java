@NullMarked
package io.llumnix.sim;

import org.jspecify.annotations.NullMarked;
