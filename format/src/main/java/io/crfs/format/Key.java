package io.crfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A btrfs key {@code (objectid u64, type u8, offset u64)}, ordered lexicographically with every
 * field compared unsigned. On disk it is 17 bytes, little-endian:
 *
 * <pre>
 *  0               8   9               17
 *  +---------------+---+---------------+
 *  |   objectid    |ty |    offset     |
 *  +---------------+---+---------------+
 * </pre>
 */
public record Key(long objectid, int type, long offset) implements Comparable<Key> {
    public static final int SIZE = 17;
    public static final Key MIN = new Key(0, 0, 0);
    public static final Key MAX = new Key(-1L, 0xFF, -1L);

    public Key {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("key type must be a u8, got " + type);
        }
    }

    /** The first key of everything that objectid owns. */
    public static Key first(long objectid) {
        return new Key(objectid, 0, 0);
    }

    /** The last key of everything that objectid owns. */
    public static Key last(long objectid) {
        return new Key(objectid, 0xFF, -1L);
    }

    @Override
    public int compareTo(Key o) {
        int c = Long.compareUnsigned(objectid, o.objectid);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(type, o.type);
        return c != 0 ? c : Long.compareUnsigned(offset, o.offset);
    }

    /** The smallest key strictly greater than this one, or null if this is {@link #MAX}. */
    public Key next() {
        if (offset != -1L) {
            return new Key(objectid, type, offset + 1);
        }
        if (type != 0xFF) {
            return new Key(objectid, type + 1, 0);
        }
        if (objectid != -1L) {
            return new Key(objectid + 1, 0, 0);
        }
        return null;
    }

    public void write(byte[] b, int at) {
        Le.putLong(b, at, objectid);
        b[at + 8] = (byte) type;
        Le.putLong(b, at + 9, offset);
    }

    public static Key read(byte[] b, int at) {
        return new Key(Le.getLong(b, at), b[at + 8] & 0xFF, Le.getLong(b, at + 9));
    }

    public void write(ByteBuffer buf) {
        buf.order(ByteOrder.LITTLE_ENDIAN).putLong(objectid).put((byte) type).putLong(offset);
    }

    public static Key read(ByteBuffer buf) {
        ByteBuffer b = buf.order(ByteOrder.LITTLE_ENDIAN);
        return new Key(b.getLong(), b.get() & 0xFF, b.getLong());
    }

    public boolean within(Key min, Key max) {
        return compareTo(min) >= 0 && compareTo(max) <= 0;
    }

    @Override
    public String toString() {
        return "(" + ObjectIds.name(objectid) + " " + ItemType.name(type) + " " + Long.toUnsignedString(offset) + ")";
    }
}
