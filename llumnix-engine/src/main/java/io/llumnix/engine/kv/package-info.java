@NullMarked
package io.llumnix.engine.kv;

import org.jspecify.annotations.NullMarked;
