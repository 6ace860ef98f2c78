package io.crfs.server;

/**
 * Where the {@link GrantTable} sends revocations. Called without the table's lock held, so an
 * implementation may call back into the table (a test client may answer at once).
 */
@FunctionalInterface
public interface RevokeSink {
    /**
     * Asks the holder of {@code grant} to downgrade it to {@code toMode} ({@link Grant#READ}) or
     * drop it ({@link Grant#NONE}); the answer comes back as {@link GrantTable#revoked}.
     */
    void revoke(Grant grant, int toMode);
}
