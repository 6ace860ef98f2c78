package io.crfs.fuse;

/**
 * A time as FUSE carries it: seconds since the epoch (any 64-bit value) and nanoseconds
 * (0..999,999,999). Not a single count of nanoseconds: that covers only the years 1677 to 2262.
 */
public record FuseTime(long sec, int nsec) {
    public static final FuseTime ZERO = new FuseTime(0, 0);

    public FuseTime {
        if (nsec < 0 || nsec > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nsec);
        }
    }

    /** For times that fit (file systems keeping nanoseconds in a long). */
    public static FuseTime ofNanos(long ns) {
        return new FuseTime(Math.floorDiv(ns, 1_000_000_000L), (int) Math.floorMod(ns, 1_000_000_000L));
    }

    /** Nanoseconds since the epoch; only for times between 1677 and 2262. */
    public long toNanos() {
        return Math.addExact(Math.multiplyExact(sec, 1_000_000_000L), nsec);
    }
}
