/**
 * The OpenAI-compatible front door of a Llumnix cluster.
 *
 * <p>{@link io.llumnix.gateway.Gateway} authenticates and rate-limits each request ({@link io.llumnix.gateway.ApiKeys}),
 * tokenizes its prompt with the backend model's tokenizer ({@link io.llumnix.gateway.ModelCatalog}) to tell the
 * scheduler the prompt length and prefix block hashes, asks a {@link io.llumnix.scheduler.SchedulerClient} where to
 * run it (round robin over the {@link io.llumnix.gateway.BackendDirectory} while the scheduler is unreachable), and
 * relays the answer. Toward our engine it speaks the native protocol: it follows live migrations to the destination
 * and, when an instance dies mid-stream, resumes the request elsewhere from the tokens generated so far, so the
 * client sees one uninterrupted stream. Toward other OpenAI-compatible servers it is a retrying reverse proxy.
 */
@NullMarked
package io.llumnix.gateway;

import org.jspecify.annotations.NullMarked;
