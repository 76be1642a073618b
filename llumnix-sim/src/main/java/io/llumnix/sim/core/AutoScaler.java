package io.llumnix.sim.core;

import java.util.OptionalDouble;

/**
 * The paper's auto-scaling loop over a simulated cluster (see {@link AutoScalingConfig}). Not thread-safe (the
 * event loop owns it).
 */
final class AutoScaler {

    private final AutoScalingConfig config;
    private final ClusterSimulation sim;
    private long lowSinceNanos = -1;
    private long highSinceNanos = -1;

    AutoScaler(AutoScalingConfig config, ClusterSimulation sim) {
        this.config = config;
        this.sim = sim;
    }

    long intervalNanos() {
        return config.interval().toNanos();
    }

    void tick() {
        long now = sim.now();
        int up = 0;
        boolean starting = false;
        boolean draining = false;
        SimInstance fewest = null;
        for (SimInstance inst : sim.instances()) {
            switch (inst.state) {
                case STARTING -> {
                    starting = true;
                    up++;
                }
                case RUNNING -> {
                    up++;
                    if (fewest == null || inst.numRequestsForScaleDown() < fewest.numRequestsForScaleDown()) {
                        fewest = inst;
                    }
                }
                case DRAINING -> draining = true;
                case REMOVED -> { }
            }
        }
        OptionalDouble avg = sim.averageFreeness();
        if (avg.isEmpty()) {
            return;
        }
        double f = avg.getAsDouble();
        lowSinceNanos = f < config.scaleUpFreeness() ? (lowSinceNanos < 0 ? now : lowSinceNanos) : -1;
        highSinceNanos = f > config.scaleDownFreeness() ? (highSinceNanos < 0 ? now : highSinceNanos) : -1;
        long sustain = config.sustain().toNanos();
        if (lowSinceNanos >= 0 && now - lowSinceNanos >= sustain && !starting && up < config.maxInstances()) {
            sim.launchLater(config.startupDelay().toNanos());
            lowSinceNanos = -1;
        } else if (highSinceNanos >= 0 && now - highSinceNanos >= sustain && !draining && !starting && fewest != null
                && up > config.minInstances()) {
            sim.drain(fewest);
            highSinceNanos = -1;
        }
    }
}
