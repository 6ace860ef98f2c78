package io.crfs.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One record of an INODE_EXTREF {@code (ino, INODE_EXTREF, extrefHash(parent, name))} payload:
 * {@code parent u64 | index u64 | name_len u16 | name}. Used once the INODE_REF item of a
 * directory is full.
 */
public record InodeExtref(long parent, long index, byte[] name) {
    public static final int HEADER = 18;

    public int encodedSize() {
        return HEADER + name.length;
    }

    public static byte[] encodeAll(List<InodeExtref> refs) {
        int n = 0;
        for (InodeExtref r : refs) {
            n += r.encodedSize();
        }
        byte[] b = new byte[n];
        int at = 0;
        for (InodeExtref r : refs) {
            Le.putLong(b, at, r.parent);
            Le.putLong(b, at + 8, r.index);
            Le.putShort(b, at + 16, r.name.length);
            System.arraycopy(r.name, 0, b, at + HEADER, r.name.length);
            at += r.encodedSize();
        }
        return b;
    }

    public static List<InodeExtref> decodeAll(byte[] b) {
        List<InodeExtref> out = new ArrayList<>(1);
        int at = 0;
        while (at < b.length) {
            if (b.length - at < HEADER) {
                throw new FormatException("inode extref header needs 18 bytes at " + at + ", got " + (b.length - at));
            }
            int len = Le.getUShort(b, at + 16);
            if (b.length - at - HEADER < len) {
                throw new FormatException("inode extref at " + at + " claims a " + len + "-byte name, only "
                        + (b.length - at - HEADER) + " remain");
            }
            out.add(new InodeExtref(Le.getLong(b, at), Le.getLong(b, at + 8),
                    Arrays.copyOfRange(b, at + HEADER, at + HEADER + len)));
            at += HEADER + len;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InodeExtref r && r.parent == parent && r.index == index && Arrays.equals(r.name, name);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(parent * 31 + index) * 31 + Arrays.hashCode(name);
    }
}
