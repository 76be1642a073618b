/**
 * Tokenizers behind {@link io.llumnix.engine.tokenizer.Tokenizer}: llama2.c's BPE format
 * ({@link io.llumnix.engine.tokenizer.Llama2Tokenizer}) and a byte-level one for synthetic models
 * ({@link io.llumnix.engine.tokenizer.SyntheticTokenizer}).
 */
@NullMarked
package io.llumnix.engine.tokenizer;

import org.jspecify.annotations.NullMarked;
