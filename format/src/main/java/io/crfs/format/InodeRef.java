package io.crfs.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One name record of an INODE_REF {@code (ino, INODE_REF, parent)} payload:
 * {@code index u64 | name_len u16 | name}. Several names of one inode in one directory are
 * appended to the same item.
 */
public record InodeRef(long index, byte[] name) {
    public static final int HEADER = 10;

    public int encodedSize() {
        return HEADER + name.length;
    }

    public static byte[] encodeAll(List<InodeRef> refs) {
        int n = 0;
        for (InodeRef r : refs) {
            n += r.encodedSize();
        }
        byte[] b = new byte[n];
        int at = 0;
        for (InodeRef r : refs) {
            Le.putLong(b, at, r.index);
            Le.putShort(b, at + 8, r.name.length);
            System.arraycopy(r.name, 0, b, at + HEADER, r.name.length);
            at += r.encodedSize();
        }
        return b;
    }

    public static List<InodeRef> decodeAll(byte[] b) {
        List<InodeRef> out = new ArrayList<>(1);
        int at = 0;
        while (at < b.length) {
            if (b.length - at < HEADER) {
                throw new FormatException("inode ref header needs 10 bytes at " + at + ", got " + (b.length - at));
            }
            int len = Le.getUShort(b, at + 8);
            if (b.length - at - HEADER < len) {
                throw new FormatException("inode ref at " + at + " claims a " + len + "-byte name, only "
                        + (b.length - at - HEADER) + " remain");
            }
            out.add(new InodeRef(Le.getLong(b, at), Arrays.copyOfRange(b, at + HEADER, at + HEADER + len)));
            at += HEADER + len;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InodeRef r && r.index == index && Arrays.equals(r.name, name);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Arrays.hashCode(name);
    }
}
