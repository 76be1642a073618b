package io.llumnix.sim.core;

/**
 * How simulated llumlets migrate, with the llumlet's defaults ({@code MigrationConfig.defaults()}).
 *
 * @param maxStages copy stages while the request keeps decoding, at most ({@code --migration-max-stages})
 * @param lastStageMaxBlocks once no more than this many blocks remain the request pauses for the last stage
 *     ({@code --migration-last-stage-max-blocks})
 * @param migrateOutSlots concurrent migrations out of one instance
 * @param migrateInSlots concurrent migrations into one instance
 * @param watermarkBlocks blocks a destination keeps free for its own work when reserving
 */
public record MigrationSettings(int maxStages, int lastStageMaxBlocks, int migrateOutSlots, int migrateInSlots, int watermarkBlocks) {

    public MigrationSettings {
        if (maxStages < 0 || lastStageMaxBlocks < 0 || migrateOutSlots < 1 || migrateInSlots < 1 || watermarkBlocks < 0) {
            throw new IllegalArgumentException("invalid migration settings: stages " + maxStages + ", last stage blocks "
                    + lastStageMaxBlocks + ", slots out " + migrateOutSlots + " in " + migrateInSlots + ", watermark " + watermarkBlocks);
        }
    }

    /** The llumlet's defaults: 3 stages, last stage at 4 blocks or fewer, 1 slot out, 2 in, no watermark. */
    public static MigrationSettings defaults() {
        return new MigrationSettings(3, 4, 1, 2, 0);
    }
}
