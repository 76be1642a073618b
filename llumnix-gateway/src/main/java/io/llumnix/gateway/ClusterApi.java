package io.llumnix.gateway;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders {@code GET /api/cluster}: the {@link ClusterView} (instances, totals), the migrations the gateway followed
 * recently and its own counters, as one JSON document the dashboard and {@code llumnix status} poll.
 *
 * <pre>{@code
 * {"now_ms":…, "taken_at_ms":…,
 *  "instances":[{"id":"i-0","url":"http://…","model":"…","role":"neutral","reporting":true,"schedulable":true,"waiting":0,"running":3,
 *                "loading":0,"dispatched":3,"used_tokens":512,"total_tokens":4096,"kv_usage_percent":12.5,
 *                "step_duration_ms":4.1,"migrate_in_slots":1,"migrate_out_slots":1}],
 *  "totals":{"instances":1,"schedulable":1,"waiting":0,"running":3,"loading":0,"dispatched":3,"used_tokens":512,
 *            "total_tokens":4096,"kv_usage_percent":12.5},
 *  "migrations":[{"request_id":"gw-…","from":"i-0","to":"i-1","at_ms":…}],
 *  "gateway":{"in_flight":1,"queued":0,"retries":0,"resumes":0,"migrations_followed":1,"scheduler_fallbacks":0}}
 * }</pre>
 *
 * <p>Thread-safe if the supplier is.
 */
final class ClusterApi {

    private final Supplier<ClusterView> view;
    private final MigrationLog migrations;
    private final GatewayMetrics metrics;
    private final Supplier<Number> queued;
    private final Supplier<Number> fallbacks;
    private final io.llumnix.core.Clock clock;
    private final JsonMapper json;

    ClusterApi(Supplier<ClusterView> view, MigrationLog migrations, GatewayMetrics metrics, Supplier<Number> queued, Supplier<Number> fallbacks,
            io.llumnix.core.Clock clock, JsonMapper json) {
        this.view = requireNonNull(view, "view is null");
        this.migrations = requireNonNull(migrations, "migrations is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.queued = requireNonNull(queued, "queued is null");
        this.fallbacks = requireNonNull(fallbacks, "fallbacks is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.json = requireNonNull(json, "json is null");
    }

    String render() {
        ClusterView v = requireNonNull(view.get(), "the cluster view supplier returned null");
        ObjectNode root = json.createObjectNode();
        root.put("now_ms", clock.currentTimeMillis());
        root.put("taken_at_ms", v.takenAtMs());
        ArrayNode instances = root.putArray("instances");
        int schedulable = 0;
        long waiting = 0;
        long running = 0;
        long loading = 0;
        long dispatched = 0;
        long used = 0;
        long total = 0;
        for (ClusterView.Instance i : v.instances()) {
            ObjectNode n = instances.addObject();
            n.put("id", i.instanceId());
            n.put("url", i.url());
            n.put("model", i.model());
            n.put("role", i.role());
            n.put("reporting", i.reporting());
            n.put("schedulable", i.schedulable());
            n.put("waiting", i.waitingRequests());
            n.put("running", i.runningRequests());
            n.put("loading", i.loadingRequests());
            n.put("dispatched", i.dispatchedRequests());
            n.put("used_tokens", i.usedTokens());
            n.put("total_tokens", i.totalTokens());
            n.put("kv_usage_percent", round(i.kvUsagePercent()));
            n.put("step_duration_ms", round(i.stepDurationMs()));
            n.put("migrate_in_slots", i.migrateInSlots());
            n.put("migrate_out_slots", i.migrateOutSlots());
            schedulable += i.schedulable() ? 1 : 0;
            waiting += i.waitingRequests();
            running += i.runningRequests();
            loading += i.loadingRequests();
            dispatched += i.dispatchedRequests();
            used += i.usedTokens();
            total += i.totalTokens();
        }
        ObjectNode totals = root.putObject("totals");
        totals.put("instances", v.instances().size());
        totals.put("schedulable", schedulable);
        totals.put("waiting", waiting);
        totals.put("running", running);
        totals.put("loading", loading);
        totals.put("dispatched", dispatched);
        totals.put("used_tokens", used);
        totals.put("total_tokens", total);
        totals.put("kv_usage_percent", total <= 0 ? 0 : round(100.0 * used / total));
        ArrayNode recent = root.putArray("migrations");
        for (MigrationLog.Followed f : migrations.recent()) {
            ObjectNode m = recent.addObject();
            m.put("request_id", f.requestId());
            m.put("from", f.fromInstanceId());
            m.put("to", f.toInstanceId());
            m.put("at_ms", f.atMs());
        }
        ObjectNode gateway = root.putObject("gateway");
        gateway.put("in_flight", metrics.inFlight());
        gateway.put("queued", queued.get().longValue());
        gateway.put("retries", (long) metrics.retries());
        gateway.put("resumes", (long) metrics.resumes());
        gateway.put("migrations_followed", (long) metrics.migrationsFollowed());
        gateway.put("scheduler_fallbacks", fallbacks.get().longValue());
        return json.writeValueAsString(root);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
