/**
 * The OpenAI Files and Batches API of the gateway: JSONL files of requests uploaded once, executed line by line at
 * low priority through the gateway's own front door, answered as JSONL output and error files.
 *
 * <p>Everything lives on local disk under one directory, crash-safe: metadata files are replaced atomically, and every
 * finished line is appended and fsync'd to its batch's journal before it counts as done. After a restart the
 * {@link io.llumnix.gateway.batch.BatchApi} rebuilds its state from disk and runs only the lines the journal does not
 * hold; a line that was in flight at the crash is executed once more, a journaled one never.
 */
@NullMarked
package io.llumnix.gateway.batch;

import org.jspecify.annotations.NullMarked;
