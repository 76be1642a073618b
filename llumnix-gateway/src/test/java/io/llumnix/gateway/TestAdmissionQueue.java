package io.llumnix.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestAdmissionQueue {

    @Test
    void admits_thenQueuesByPriority_thenRefuses() {
        AdmissionQueue q = new AdmissionQueue(1, 2);
        List<String> admitted = new ArrayList<>();
        AdmissionQueue.Waiter[] h = new AdmissionQueue.Waiter[1];

        assertThat(q.enter(0, () -> admitted.add("first"), h)).isEqualTo(AdmissionQueue.Outcome.ADMITTED);
        assertThat(q.enter(-1, () -> admitted.add("low"), h)).isEqualTo(AdmissionQueue.Outcome.QUEUED);
        assertThat(q.enter(1, () -> admitted.add("high"), h)).isEqualTo(AdmissionQueue.Outcome.QUEUED);
        assertThat(q.enter(1, () -> admitted.add("refused"), h)).isEqualTo(AdmissionQueue.Outcome.REFUSED);

        q.leave();
        q.leave();
        assertThat(admitted).containsExactly("high", "low");
        q.leave();
        assertThat(q.inFlight()).isZero();
        assertThatThrownBy(q::leave).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void cancelledWaiter_isNeverAdmitted() {
        AdmissionQueue q = new AdmissionQueue(1, 1);
        AdmissionQueue.Waiter[] h = new AdmissionQueue.Waiter[1];
        List<String> admitted = new ArrayList<>();
        q.enter(0, () -> {}, h);
        q.enter(0, () -> admitted.add("gone"), h);

        assertThat(q.cancel(h[0])).isTrue();
        q.leave();

        assertThat(admitted).isEmpty();
        assertThat(q.inFlight()).isZero();
        assertThat(q.queued()).isZero();
    }
}
