/**
 * The scheduler as a service for gateways in other processes: HTTP/JSON on the JDK's HTTP server
 * ({@link io.llumnix.scheduler.service.SchedulerHttpService}) and its client
 * ({@link io.llumnix.scheduler.service.HttpSchedulerClient}, a {@link io.llumnix.scheduler.SchedulerClient} like the
 * in-process {@link io.llumnix.scheduler.Scheduler}). Each gateway holds a lease it renews by keepalive; when a
 * gateway dies, its requests' in-flight entries are reclaimed from the dispatch ledger.
 *
 * <p>Endpoints (all JSON; {@code Authorization: Bearer <token>} when a token is configured):
 * {@code POST /v1/schedule}, {@code POST /v1/release}, {@code POST /v1/keepalive}, {@code GET /v1/autoscale},
 * {@code GET /metrics} (Prometheus text), {@code GET /health}.
 */
@NullMarked
package io.llumnix.scheduler.service;

import org.jspecify.annotations.NullMarked;
