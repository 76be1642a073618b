package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Downtime from the destination's install time, trusted only when it lies between the detach and the acknowledgement. */
class TestTimeInNoBatch {

    @Test
    void installBetweenDetachAndAck_isTheDowntime() {
        assertThat(MigrationSource.timeInNoBatch(1_000_000, 1_004_000, 6_000)).isEqualTo(4_000);
        assertThat(MigrationSource.timeInNoBatch(1_000_000, 1_006_000, 6_000)).isEqualTo(6_000);
        assertThat(MigrationSource.timeInNoBatch(1_000_000, 1_000_000, 6_000)).isZero();
    }

    @Test
    void anInstallTimeFromAnotherClock_fallsBackToTheAcknowledgement() {
        assertThat(MigrationSource.timeInNoBatch(1_000_000, 0, 6_000)).as("no install time sent").isEqualTo(6_000);
        assertThat(MigrationSource.timeInNoBatch(1_000_000, 999_999, 6_000)).as("before the detach").isEqualTo(6_000);
        assertThat(MigrationSource.timeInNoBatch(1_000_000, 1_006_001, 6_000)).as("after the acknowledgement").isEqualTo(6_000);
        assertThat(MigrationSource.timeInNoBatch(1_000_000, -5_000_000_000L, 6_000)).as("another host's clock").isEqualTo(6_000);
    }
}
