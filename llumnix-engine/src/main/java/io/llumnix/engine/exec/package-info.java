@NullMarked
package io.llumnix.engine.exec;

import org.jspecify.annotations.NullMarked;
