package io.llumnix.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Filters then a selector, for one infer type: a strict pass with every filter and, if it leaves nobody, a
 * fallback pass without the soft ones. Immutable; thread-safe if its selector is.
 */
record DispatchPipeline(List<InstanceFilter> filters, Selector selector) {

    DispatchPipeline {
        filters = List.copyOf(filters);
        requireNonNull(selector, "selector is null");
    }

    /** The chosen index; or −1. Sets {@code ctx.fallbackPass} when the fallback pass chose. */
    int select(int[] candidates, DecisionContext ctx) {
        ctx.fallbackPass = false;
        int chosen = selector.select(candidates, ctx);
        if (chosen < 0 && hasSoftFilter()) {
            ctx.fallbackPass = true;
            chosen = selector.select(candidates, ctx);
        }
        return chosen;
    }

    private boolean hasSoftFilter() {
        for (InstanceFilter f : filters) {
            if (f.soft()) {
                return true;
            }
        }
        return false;
    }
}
