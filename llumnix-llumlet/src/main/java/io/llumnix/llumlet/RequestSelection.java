package io.llumnix.llumlet;

import io.llumnix.engine.sched.RunningRequestView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Picks which requests a migration command moves, by Llumnix's rule and order. Orders: {@code LCR} last
 * come running first, {@code FCR} first come running, {@code LR} longest running (most tokens), {@code SR}
 * shortest running, {@code FCW} first come waiting, {@code FCWSR} first come waiting then shortest running.
 * Rules: {@code NUM_REQ} moves {@code value} requests, {@code TOKEN} moves requests until {@code value}
 * tokens, {@code RATIO} until that fraction of the instance's tokens. Ties break by request id.
 */
public final class RequestSelection {

    public enum Rule {
        NUM_REQ,
        TOKEN,
        RATIO
    }

    public enum Order {
        LCR,
        FCR,
        LR,
        SR,
        FCW,
        FCWSR
    }

    private RequestSelection() {}

    public static Rule rule(String name) {
        return parse(Rule.class, name, "rule");
    }

    public static Order order(String name) {
        return parse(Order.class, name, "order");
    }

    public static List<String> select(List<RunningRequestView> requests, Rule rule, Order order, double value) {
        if (!(value > 0) || Double.isNaN(value)) {
            throw new IllegalArgumentException("selection value must be positive, got " + value);
        }
        List<RunningRequestView> running = new ArrayList<>();
        List<RunningRequestView> waiting = new ArrayList<>();
        long totalTokens = 0;
        for (RunningRequestView r : requests) {
            if (r.migrating()) {
                continue;
            }
            (r.running() ? running : waiting).add(r);
            totalTokens += r.numTokens();
        }
        Comparator<RunningRequestView> byArrival = Comparator.comparingLong(RunningRequestView::arrivalNanos)
                .thenComparing(RunningRequestView::requestId);
        Comparator<RunningRequestView> byLength = Comparator.comparingInt(RunningRequestView::numTokens)
                .thenComparing(RunningRequestView::requestId);
        List<RunningRequestView> ordered = new ArrayList<>();
        switch (order) {
            case LCR -> ordered.addAll(sorted(running, byArrival.reversed()));
            case FCR -> ordered.addAll(sorted(running, byArrival));
            case LR -> ordered.addAll(sorted(running, byLength.reversed()));
            case SR -> ordered.addAll(sorted(running, byLength));
            case FCW -> ordered.addAll(sorted(waiting, byArrival));
            case FCWSR -> {
                ordered.addAll(sorted(waiting, byArrival));
                ordered.addAll(sorted(running, byLength));
            }
        }
        double budget = switch (rule) {
            case NUM_REQ -> Math.floor(value);
            case TOKEN -> value;
            case RATIO -> value * totalTokens;
        };
        List<String> out = new ArrayList<>();
        double used = 0;
        for (RunningRequestView r : ordered) {
            if (used >= budget) {
                break;
            }
            out.add(r.requestId());
            used += rule == Rule.NUM_REQ ? 1 : r.numTokens();
        }
        return out;
    }

    private static List<RunningRequestView> sorted(List<RunningRequestView> in, Comparator<RunningRequestView> c) {
        List<RunningRequestView> out = new ArrayList<>(in);
        out.sort(c);
        return out;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String name, String what) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown request selection " + what + " '" + name + "'; valid: "
                    + java.util.Arrays.toString(type.getEnumConstants()), e);
        }
    }
}
