package io.crfs.server;

import io.crfs.format.Key;

/**
 * One grant of the {@link GrantTable}: session {@code session} may cache (READ) or cache and
 * change (WRITE) the items with keys in {@code [min, max]} (inclusive, unsigned key order). A
 * grant is identified by its id; a downgrade keeps the id and lowers the mode. Instances are
 * immutable snapshots.
 */
public record Grant(long id, long session, Key min, Key max, int mode) {
    /** The to-mode of a drop (revoke or release of the whole grant); also "no mode". */
    public static final int NONE = 0;
    /** Shared: may cache the items (wire value 1). */
    public static final int READ = 1;
    /** Exclusive: may cache and change the items (wire value 2). */
    public static final int WRITE = 2;

    public Grant {
        if (min.compareTo(max) > 0) {
            throw new IllegalArgumentException("grant range must have min <= max, got " + min + " > " + max);
        }
        if (mode != READ && mode != WRITE) {
            throw new IllegalArgumentException("grant mode must be 1 (READ) or 2 (WRITE), got " + mode);
        }
    }

    /** Whether [min, max] and [a, b] share a key. */
    public boolean overlaps(Key a, Key b) {
        return min.compareTo(b) <= 0 && a.compareTo(max) <= 0;
    }

    /** Whether this grant allows {@code wanted} on key k. */
    public boolean covers(Key k, int wanted) {
        return mode >= wanted && k.within(min, max);
    }

    /** READ-READ is the only compatible pair of modes. */
    static boolean conflicts(int a, int b) {
        return a == WRITE || b == WRITE;
    }

    Grant withMode(int m) {
        return new Grant(id, session, min, max, m);
    }

    @Override
    public String toString() {
        return "grant " + id + " session " + session + " " + (mode == WRITE ? "WRITE" : "READ") + " [" + min + ", " + max + "]";
    }
}
