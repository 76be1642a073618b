package io.llumnix.sim.report;

import java.util.ArrayList;
import java.util.List;

/**
 * How many instances were up over a run, as a step function: each change is recorded at its time, and the count
 * holds until the next change. Gives instance-seconds (the cost side of auto-scaling) and the step chart.
 *
 * <p>Not thread-safe: the simulator's event loop records into it.
 */
public final class InstanceTimeline {

    /**
     * One change of the instance count.
     *
     * @param timeNanos when it changed
     * @param instances instances up from then on
     */
    public record Point(long timeNanos, int instances) {}

    private final List<Point> points = new ArrayList<>();

    /** Records that {@code instances} are up from {@code timeNanos} on; times must not go backwards. */
    public void record(long timeNanos, int instances) {
        if (instances < 0) {
            throw new IllegalArgumentException("instance count must be non-negative, got " + instances);
        }
        if (!points.isEmpty()) {
            Point last = points.getLast();
            if (timeNanos < last.timeNanos()) {
                throw new IllegalArgumentException("instance count recorded at " + timeNanos + " ns, before the previous change at "
                        + last.timeNanos() + " ns");
            }
            if (last.instances() == instances) {
                return;
            }
            if (last.timeNanos() == timeNanos) {
                points.removeLast();
            }
        }
        points.add(new Point(timeNanos, instances));
    }

    public List<Point> points() {
        return List.copyOf(points);
    }

    /** Integral of the instance count from the first change to {@code endNanos}, in instance-seconds. */
    public double instanceSeconds(long endNanos) {
        double total = 0;
        for (int i = 0; i < points.size(); i++) {
            long from = points.get(i).timeNanos();
            long to = i + 1 < points.size() ? points.get(i + 1).timeNanos() : Math.max(from, endNanos);
            total += points.get(i).instances() * ((to - from) / 1e9);
        }
        return total;
    }
}
