package io.llumnix.scheduler.rescheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

final class TestRequestSelection {

    private static final List<MigratableRequest> REQUESTS = List.of(
            new MigratableRequest("r1", 100, 500, false, false),
            new MigratableRequest("r2", 200, 50, false, true),
            new MigratableRequest("r3", 300, 900, false, false),
            new MigratableRequest("w1", 400, 0, true, false),
            new MigratableRequest("w2", 350, 0, true, false));

    private static List<String> select(MigrationRule rule, RequestOrder order, double value) {
        return select(rule, order, value, false);
    }

    private static List<String> select(MigrationRule rule, RequestOrder order, double value, boolean normalOnly) {
        MigrationOrder o = new MigrationOrder("s", "d", rule, order, value, "test", normalOnly);
        return RequestSelection.select(REQUESTS, o, 1450).stream().map(MigratableRequest::requestId).toList();
    }

    @Test
    void orders_sortAsNamed() {
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.LCR, 9)).containsExactly("r3", "r2", "r1");
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.FCR, 9)).containsExactly("r1", "r2", "r3");
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.LR, 9)).containsExactly("r3", "r1", "r2");
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.SR, 9)).containsExactly("r2", "r1", "r3");
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.FCW, 9)).containsExactly("w2", "w1");
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.FCWSR, 9))
                .containsExactly("w2", "w1", "r2", "r1", "r3");
    }

    @Test
    void numReq_takesThatMany() {
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.SR, 2)).containsExactly("r2", "r1");
    }

    @Test
    void token_takesUntilEnoughTokens_atLeastOne() {
        assertThat(select(MigrationRule.TOKEN, RequestOrder.SR, 1)).containsExactly("r2");
        assertThat(select(MigrationRule.TOKEN, RequestOrder.SR, 60)).containsExactly("r2", "r1");
    }

    @Test
    void ratio_takesFractionOfUsedTokens_oneMeansAll() {
        assertThat(select(MigrationRule.RATIO, RequestOrder.LR, 0.5)).containsExactly("r3");
        assertThat(select(MigrationRule.RATIO, RequestOrder.FCWSR, 1.0)).hasSize(5);
    }

    @Test
    void normalPriorityOnly_leavesHighPriorityRequests() {
        assertThat(select(MigrationRule.NUM_REQ, RequestOrder.SR, 9, true)).containsExactly("r1", "r3");
    }

    @Test
    void noEligible_selectsNothing() {
        MigrationOrder o = new MigrationOrder("s", "d", MigrationRule.NUM_REQ, RequestOrder.FCW, 1, "t", false);
        assertThat(RequestSelection.select(List.of(REQUESTS.getFirst()), o, 0)).isEmpty();
    }
}
