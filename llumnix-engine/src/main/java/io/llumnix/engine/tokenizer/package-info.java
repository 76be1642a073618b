@NullMarked
package io.llumnix.engine.tokenizer;

import org.jspecify.annotations.NullMarked;
