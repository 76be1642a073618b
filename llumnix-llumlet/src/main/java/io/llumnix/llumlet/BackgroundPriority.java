package io.llumnix.llumlet;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts KV-copy threads below the engine's step. The engine's step runs on every core (its kernels fork across
 * all of them), so any CPU a migration spends while the request keeps decoding comes straight out of the
 * other requests' step time. On Linux a thread at nice 19 takes the cores when they would otherwise be idle (the
 * step's serial parts often leave one idle), is preempted at once when a step thread wakes, and otherwise gets
 * about 1.5% of a busy core, so stage copies use the gaps and still progress when there are none. ({@code
 * SCHED_IDLE}, weight 3 instead of 15, starved copies for seconds on a loaded machine.) Java thread priorities
 * are ignored on Linux, hence the native call; on Linux {@code setpriority(PRIO_PROCESS, 0, …)} applies to the
 * calling thread only.
 *
 * <p>Best effort: where the call is unavailable (not Linux, no native access) threads run at normal priority
 * and {@link #available()} says so. Thread-safe.
 */
final class BackgroundPriority {

    private static final Logger log = LoggerFactory.getLogger(BackgroundPriority.class);
    private static final int PRIO_PROCESS = 0;
    private static final int NICE = 19;
    private static final int URGENT_NICE = -10;
    private static final Optional<MethodHandle> SETPRIORITY = lookup();

    private BackgroundPriority() {}

    /** Whether threads from {@link #threadFactory} really run at nice 19. */
    static boolean available() {
        return SETPRIORITY.isPresent();
    }

    /** Platform daemon threads named {@code name-N} that lower themselves to nice 19 before running anything. */
    static ThreadFactory threadFactory(String name) {
        ThreadFactory base = Thread.ofPlatform().daemon(true).name(name + "-", 0).factory();
        return task -> base.newThread(() -> {
            lowerCurrentThread();
            task.run();
        });
    }

    /**
     * Platform daemon threads named {@code name-N} that raise themselves to nice {@value #URGENT_NICE} where the process
     * may (root or CAP_SYS_NICE; elsewhere they stay at normal priority): the few threads a migration's downtime waits
     * on, so that they are not queued behind the engine's compute threads on saturated cores.
     */
    static ThreadFactory urgentThreadFactory(String name) {
        ThreadFactory base = Thread.ofPlatform().daemon(true).name(name + "-", 0).factory();
        return task -> base.newThread(() -> {
            setCurrentThread(URGENT_NICE);
            task.run();
        });
    }

    /** Moves the calling platform thread to nice 19; returns whether that worked. */
    static boolean lowerCurrentThread() {
        return setCurrentThread(NICE);
    }

    private static boolean setCurrentThread(int nice) {
        if (SETPRIORITY.isEmpty() || Thread.currentThread().isVirtual()) {
            return false;
        }
        try {
            int rc = (int) SETPRIORITY.get().invokeExact(PRIO_PROCESS, 0, nice);
            return rc == 0;
        } catch (Throwable t) {
            log.debug("cannot lower thread priority: {}", t.toString());
            return false;
        }
    }

    private static Optional<MethodHandle> lookup() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("setpriority").map(addr -> linker.downcallHandle(addr,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
        } catch (RuntimeException | LinkageError e) {
            log.info("KV copies run at normal priority: {}", e.toString());
            return Optional.empty();
        }
    }
}
