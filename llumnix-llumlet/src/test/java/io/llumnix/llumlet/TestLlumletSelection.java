package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.llumnix.engine.sched.RunningRequestView;
import io.llumnix.scheduler.rescheduling.MigratableRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The llumlet hands the rescheduler's request selection its live requests in the selection's terms. */
class TestLlumletSelection {

    @Test
    void selectable_mapsRunningAndWaiting_andLeavesMigratingOut() {
        List<RunningRequestView> live = List.of(
                new RunningRequestView("run", true, 0, 100, 10, 25, 15, 2, false),
                new RunningRequestView("high", true, 2, 50, 10, 12, 2, 1, false),
                new RunningRequestView("moving", true, 0, 10, 10, 40, 30, 3, true),
                new RunningRequestView("queued", false, 0, 200, 30, 30, 0, 0, false));

        assertThat(Llumlet.selectable(live)).containsExactly(
                new MigratableRequest("run", 100, 25, false, false),
                new MigratableRequest("high", 50, 12, false, true),
                new MigratableRequest("queued", 200, 0, true, false));
    }
}
