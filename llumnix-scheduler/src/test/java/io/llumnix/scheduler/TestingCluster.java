package io.llumnix.scheduler;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.core.InferType;
import io.llumnix.core.InstanceStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Hand-built instances and snapshots for scheduler tests. */
public final class TestingCluster {

    public static final long NOW_MS = 1_700_000_000_000L;

    private TestingCluster() {}

    /** A mutable builder of one instance's status; every field starts idle. */
    public static final class Status {
        public String id;
        public boolean schedulable = true;
        public long timestampMs = NOW_MS;
        public InferType type = InferType.NEUTRAL;
        public String unit = "";
        public String node = "";
        public int waiting;
        public int running;
        public int decodes;
        public long total = 10_000;
        public long used;
        public int blockSize = 16;
        public long waitingPrefill;
        public long runningPrefill;
        public long decodeTokens;
        public int headBlocks;
        public int inSlots = 1;
        public int outSlots = 1;
        public long highPriorityUsed;
        public List<String> waitingIds = new ArrayList<>();
        public List<String> recentIds = new ArrayList<>();
        public double stepMs = 10;
        public String reservedRole = "";

        public Status(String id) {
            this.id = id;
        }

        public InstanceStatus status() {
            return new InstanceStatus(id, schedulable, timestampMs, 1, type, unit, node, waiting, running, 0, decodes,
                    total, used, blockSize, waitingPrefill, runningPrefill, decodeTokens, headBlocks, inSlots,
                    outSlots, 0, highPriorityUsed, waitingIds, recentIds, stepMs);
        }

        public InstanceMetadata metadata() {
            return new InstanceMetadata(id, "127.0.0.1", 8000, 9000, type, unit, node, "m", total, 0, reservedRole);
        }

        public InstanceView view() {
            return InstanceView.of(metadata(), status());
        }
    }

    public static Status instance(String id) {
        return new Status(id);
    }

    public static ClusterSnapshot snapshot(Status... statuses) {
        List<InstanceView> views = new ArrayList<>();
        for (Status s : statuses) {
            views.add(s.view());
        }
        return ClusterSnapshot.of(views, NOW_MS);
    }

    /** A clock that stands still at {@link #NOW_MS} unless advanced. */
    public static final class FixedClock implements Clock {
        private final AtomicLong millis = new AtomicLong(NOW_MS);

        @Override
        public long nanoTime() {
            return millis.get() * 1_000_000L;
        }

        @Override
        public long currentTimeMillis() {
            return millis.get();
        }

        public void advanceMillis(long ms) {
            millis.addAndGet(ms);
        }
    }
}
