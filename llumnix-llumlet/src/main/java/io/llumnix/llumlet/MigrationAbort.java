package io.llumnix.llumlet;

/** Ends a migration attempt early; the request stays (or is put back) on the source. */
final class MigrationAbort extends Exception {

    private static final long serialVersionUID = 1L;

    MigrationAbort(String reason) {
        super(reason, null, false, false);
    }
}
