/**
 * Hugging Face {@code tokenizer.json} tokenizers (model type {@code BPE}) in plain Java, so that the gateway counts
 * and hashes prompts with the very ids a vLLM or SGLang backend will see: byte-level BPE (GPT-2, Llama 3, Qwen) and
 * the SentencePiece-style flavour with {@code ▁} and byte fallback (Llama 2, Mistral).
 * {@link io.llumnix.gateway.tokenize.HfTokenizer} is the entry point.
 */
@NullMarked
package io.llumnix.gateway.tokenize;

import org.jspecify.annotations.NullMarked;
