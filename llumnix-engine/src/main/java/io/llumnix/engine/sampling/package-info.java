@NullMarked
package io.llumnix.engine.sampling;

import org.jspecify.annotations.NullMarked;
