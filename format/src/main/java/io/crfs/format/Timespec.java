package io.crfs.format;

import java.time.Instant;

/** {@code btrfs_timespec}: seconds u64 then nanoseconds u32, 12 bytes. */
public record Timespec(long sec, int nsec) {
    public static final int SIZE = 12;
    public static final Timespec ZERO = new Timespec(0, 0);

    public Timespec {
        if (nsec < 0 || nsec > 999_999_999) {
            throw new FormatException("timespec nsec out of range: " + nsec);
        }
    }

    public static Timespec of(Instant i) {
        return new Timespec(i.getEpochSecond(), i.getNano());
    }

    public Instant toInstant() {
        return Instant.ofEpochSecond(sec, nsec);
    }

    public static Timespec read(byte[] b, int at) {
        int ns = Le.getInt(b, at + 8);
        // The kernel never writes nsec >= 1e9; clamp what a foreign writer left so readers never throw.
        return new Timespec(Le.getLong(b, at), (ns < 0 || ns > 999_999_999) ? 0 : ns);
    }

    public void write(byte[] b, int at) {
        Le.putLong(b, at, sec);
        Le.putInt(b, at + 8, nsec);
    }
}
