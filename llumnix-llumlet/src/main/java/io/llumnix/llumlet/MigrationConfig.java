package io.llumnix.llumlet;

import java.time.Duration;

/**
 * How migrations run on one instance.
 *
 * @param maxStages stages of copying while the request keeps decoding, at most ({@code --migration-max-stages}); 0 makes
 *     every migration a blocking copy (the request leaves its batch first and all of its KV moves while it is
 *     paused), the baseline live migration is measured against
 * @param lastStageMaxBlocks once no more than this many blocks remain, the source pauses the request and
 *     sends the rest ({@code --migration-last-stage-max-blocks})
 * @param stepTimeout how long one handshake step (reserve, stage, commit) may take before the migration aborts
 * @param migrateOutSlots concurrent migrations out of this instance
 * @param migrateInSlots concurrent migrations into this instance
 * @param watermarkBlocks blocks a destination keeps free for its own work when reserving
 * @param maxMessageBytes KV bytes per gRPC message or data-connection frame (blocks of a layer are fused up to this
 *     size)
 * @param dataChannel move KV over a dedicated TCP connection to the destination (raw little-endian floats straight
 *     from the pages, no protobuf) when the destination offers one; otherwise, or when false, in gRPC messages
 * @param idlePriorityCopies run the copy stages that overlap decoding (on both ends of a data connection) on
 *     nice-19 threads, so they take mostly CPU the engines leave idle; the last stage, which is downtime,
 *     always runs at normal priority
 * @param copyCpuShare the share of one core the sending thread of a copy stage that overlaps decoding may use (it
 *     sleeps between frames to stay under it; 1 = unpaced). Moving KV over loopback costs about 0.65 ns of CPU per byte
 *     at each end on this project's reference machine, and on an engine whose step uses every core all of it comes
 *     out of the other requests' steps unless cores sit idle; the default 0.05 bounds the sender at 5% of a core (the
 *     receiver, fed at that pace, uses about as much), which moves 64 MiB in about 1.5 s. The last stage is never paced.
 * @param sharedMemory on a data connection, offer the destination the frames' payload through a file in
 *     {@code /dev/shm} both map ({@link KvShm}): two memory copies instead of four and the kernel's network path. Used
 *     when the destination can map it (same host); otherwise, or when false, frames go over the socket.
 */
public record MigrationConfig(
        int maxStages,
        int lastStageMaxBlocks,
        Duration stepTimeout,
        int migrateOutSlots,
        int migrateInSlots,
        int watermarkBlocks,
        int maxMessageBytes,
        boolean dataChannel,
        boolean idlePriorityCopies,
        double copyCpuShare,
        boolean sharedMemory) {

    public MigrationConfig {
        if (maxStages < 0) {
            throw new IllegalArgumentException("--migration-max-stages must be >= 0, got " + maxStages);
        }
        if (lastStageMaxBlocks < 0) {
            throw new IllegalArgumentException("--migration-last-stage-max-blocks must be >= 0, got " + lastStageMaxBlocks);
        }
        if (migrateOutSlots < 1 || migrateInSlots < 1) {
            throw new IllegalArgumentException("migration slots must be at least 1: out " + migrateOutSlots + ", in " + migrateInSlots);
        }
        if (watermarkBlocks < 0) {
            throw new IllegalArgumentException("watermark must be >= 0, got " + watermarkBlocks);
        }
        if (maxMessageBytes < 64 * 1024 || maxMessageBytes > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be in [64 KiB, 64 MiB], got " + maxMessageBytes);
        }
        if (!(copyCpuShare > 0 && copyCpuShare <= 1)) {
            throw new IllegalArgumentException("copyCpuShare must be in (0, 1], got " + copyCpuShare);
        }
        if (stepTimeout.isNegative() || stepTimeout.isZero()) {
            throw new IllegalArgumentException("stepTimeout must be positive, got " + stepTimeout);
        }
    }

    public static MigrationConfig defaults() {
        return new MigrationConfig(3, 4, Duration.ofSeconds(30), 1, 2, 0, 4 * 1024 * 1024, true, true, 0.05, true);
    }

    public MigrationConfig withMaxStages(int n) {
        return new MigrationConfig(n, lastStageMaxBlocks, stepTimeout, migrateOutSlots, migrateInSlots, watermarkBlocks, maxMessageBytes, dataChannel,
                idlePriorityCopies, copyCpuShare, sharedMemory);
    }

    public MigrationConfig withStepTimeout(Duration d) {
        return new MigrationConfig(maxStages, lastStageMaxBlocks, d, migrateOutSlots, migrateInSlots, watermarkBlocks, maxMessageBytes, dataChannel,
                idlePriorityCopies, copyCpuShare, sharedMemory);
    }

    /** KV over a dedicated data connection (true) or in gRPC messages (false); see {@link #dataChannel()}. */
    public MigrationConfig withDataChannel(boolean enabled) {
        return new MigrationConfig(maxStages, lastStageMaxBlocks, stepTimeout, migrateOutSlots, migrateInSlots, watermarkBlocks,
                maxMessageBytes, enabled, idlePriorityCopies, copyCpuShare, sharedMemory);
    }

    public MigrationConfig withIdlePriorityCopies(boolean enabled) {
        return new MigrationConfig(maxStages, lastStageMaxBlocks, stepTimeout, migrateOutSlots, migrateInSlots, watermarkBlocks,
                maxMessageBytes, dataChannel, enabled, copyCpuShare, sharedMemory);
    }

    /** See {@link #sharedMemory()}. */
    public MigrationConfig withSharedMemory(boolean enabled) {
        return new MigrationConfig(maxStages, lastStageMaxBlocks, stepTimeout, migrateOutSlots, migrateInSlots, watermarkBlocks,
                maxMessageBytes, dataChannel, idlePriorityCopies, copyCpuShare, enabled);
    }

    /** See {@link #copyCpuShare()}; 1 sends copy stages as fast as the connection takes them. */
    public MigrationConfig withCopyCpuShare(double share) {
        return new MigrationConfig(maxStages, lastStageMaxBlocks, stepTimeout, migrateOutSlots, migrateInSlots, watermarkBlocks,
                maxMessageBytes, dataChannel, idlePriorityCopies, share, sharedMemory);
    }

    public MigrationConfig withSlots(int out, int in) {
        return new MigrationConfig(maxStages, lastStageMaxBlocks, stepTimeout, out, in, watermarkBlocks, maxMessageBytes, dataChannel,
                idlePriorityCopies, copyCpuShare, sharedMemory);
    }
}
