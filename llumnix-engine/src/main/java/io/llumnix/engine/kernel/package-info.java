@NullMarked
package io.llumnix.engine.kernel;

import org.jspecify.annotations.NullMarked;
