package io.llumnix.llumlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared-memory area of a data connection: what the destination accepts to map, and the ring's bounds. */
class TestKvShm {

    @BeforeEach
    void needsDevShm() {
        assumeTrue(Files.isDirectory(KvShm.DIR) && Files.isWritable(KvShm.DIR), "no writable /dev/shm here");
    }

    @Test
    void theDestinationSeesWhatTheSourceWrote_evenAfterTheNameIsGone() {
        try (KvShm src = KvShm.create(4096).orElseThrow()) {
            MemorySegment out = src.region(128, 8);
            out.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122334455667788L);
            try (KvShm dst = KvShm.open(src.path(), src.nonce(), src.size()).orElseThrow()) {
                src.unlink();
                assertThat(Files.exists(Path.of(src.path()))).isFalse();
                assertThat(dst.capacity()).isEqualTo(4096);
                assertThat(dst.region(128, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1122334455667788L);
                src.region(128, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
                assertThat(dst.region(128, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(42L);
            }
        }
    }

    @Test
    void wrongNonce_wrongSize_orAFileOutsideTheDirectory_isNotMapped() throws Exception {
        try (KvShm src = KvShm.create(4096).orElseThrow()) {
            assertThat(KvShm.open(src.path(), src.nonce() ^ 1, src.size())).isEmpty();
            assertThat(KvShm.open(src.path(), src.nonce(), src.size() + KvShm.ALIGN)).isEmpty();
            assertThat(KvShm.open(KvShm.DIR.resolve(KvShm.PREFIX + "absent.kv").toString(), src.nonce(), src.size())).isEmpty();
            assertThat(KvShm.open(KvShm.DIR.resolve("../etc/passwd").toString(), src.nonce(), src.size())).isEmpty();
            Path elsewhere = Files.createTempFile(KvShm.PREFIX, ".kv");
            try {
                Files.write(elsewhere, new byte[(int) src.size()]);
                assertThat(KvShm.open(elsewhere.toString(), 0, src.size())).isEmpty();
            } finally {
                Files.deleteIfExists(elsewhere);
            }
            src.unlink();
        }
    }

    @Test
    void regionsStayInsideTheRing() {
        try (KvShm src = KvShm.create(4096).orElseThrow()) {
            src.unlink();
            assertThat(src.region(4096 - 64, 64).byteSize()).isEqualTo(64);
            assertThatThrownBy(() -> src.region(4096 - 63, 64)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> src.region(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> KvShm.create(100)).isInstanceOf(IllegalArgumentException.class);
    }
}
