package io.llumnix.gateway;

import io.llumnix.cms.InstanceMetadata;
import io.llumnix.core.Clock;
import io.llumnix.scheduler.ClusterSnapshot;
import io.llumnix.scheduler.InstanceView;
import io.llumnix.scheduler.Scheduler;
import io.llumnix.scheduler.SchedulerConfig;
import java.util.List;

/** Schedulers for gateway tests. */
final class TestingSchedulers {

    private TestingSchedulers() {}

    /** An in-process lite-mode scheduler over a fixed set (fewest in flight, ties by instance id). */
    static Scheduler lite(List<InstanceMetadata> instances) {
        Scheduler s = new Scheduler(SchedulerConfig.builder().enableFullModeScheduling(false).build(), Clock.system());
        s.updateSnapshot(ClusterSnapshot.of(instances.stream().map(InstanceView::lite).toList(), System.currentTimeMillis()));
        return s;
    }
}
