package io.crfs.server;

/** Fails the queued requests of a session that {@link GrantTable#evict evict} removed (wire error EVICTED). */
public final class EvictedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EvictedException(long session) {
        super("session " + Long.toUnsignedString(session) + " was evicted; its queued request is void");
    }
}
