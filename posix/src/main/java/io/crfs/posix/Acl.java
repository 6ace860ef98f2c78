package io.crfs.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A POSIX.1e access control list, as Linux keeps one in the {@code system.posix_acl_access} and
 * {@code system.posix_acl_default} xattrs: a little-endian header (version 2) and 8-byte entries
 * (tag u16, permissions u16, id u32). The rules are Linux's (fs/posix_acl.c): which lists are
 * valid, when a list says no more than the mode bits, how a new inode inherits a directory's
 * default list, how chmod rewrites a list, and whom a list lets in.
 */
record Acl(List<Entry> entries) {
    static final int USER_OBJ = 0x01, USER = 0x02, GROUP_OBJ = 0x04, GROUP = 0x08, MASK = 0x10, OTHER = 0x20;
    static final int VERSION = 2;
    /** The id written for entries that have none (ACL_UNDEFINED_ID). */
    static final int NO_ID = -1;
    private static final int HEADER = 4, ENTRY = 8;

    record Entry(int tag, int perm, int id) {}

    Acl {
        entries = List.copyOf(entries);
    }

    /**
     * Decodes an xattr value as posix_acl_from_xattr does: null for a header with no entries (no
     * list), EOPNOTSUPP for another version, EINVAL for a truncated value, an unknown tag or a
     * named entry without an id. Then checks the list's shape ({@link #checkValid}).
     */
    static Acl decode(byte[] value) {
        if (value.length < HEADER) {
            throw new PosixException(Errno.EINVAL, "ACL of " + value.length + " bytes has no header");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int version = b.getInt();
        if (version != VERSION) {
            throw new PosixException(Errno.EOPNOTSUPP, "ACL version " + version + ", only " + VERSION + " is known");
        }
        if ((value.length - HEADER) % ENTRY != 0) {
            throw new PosixException(Errno.EINVAL, "ACL of " + value.length + " bytes is not a whole number of entries");
        }
        int count = (value.length - HEADER) / ENTRY;
        if (count == 0) {
            return null;
        }
        List<Entry> es = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int tag = Short.toUnsignedInt(b.getShort()), perm = Short.toUnsignedInt(b.getShort()), id = b.getInt();
            switch (tag) {
                case USER_OBJ, GROUP_OBJ, MASK, OTHER -> id = NO_ID;
                case USER, GROUP -> {
                    if (id == NO_ID) {
                        throw new PosixException(Errno.EINVAL, "ACL entry " + i + " names no " + (tag == USER ? "user" : "group"));
                    }
                }
                default -> throw new PosixException(Errno.EINVAL, "ACL entry " + i + " has unknown tag 0x" + Integer.toHexString(tag));
            }
            es.add(new Entry(tag, perm, id));
        }
        Acl acl = new Acl(es);
        acl.checkValid();
        return acl;
    }

    /** The xattr value (ids of the entries that have none written as {@link #NO_ID}, as Linux writes them). */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + ENTRY * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION);
        for (Entry e : entries) {
            b.putShort((short) e.tag()).putShort((short) e.perm()).putInt(e.id());
        }
        return b.array();
    }

    /**
     * posix_acl_valid: permissions within rwx; one owner entry, then named users, one owning-group
     * entry, named groups, a mask (required once anyone is named), one other entry, in that order.
     */
    void checkValid() {
        int state = USER_OBJ;
        boolean needsMask = false;
        for (Entry e : entries) {
            if ((e.perm() & ~7) != 0) {
                throw invalid("permissions 0" + Integer.toOctalString(e.perm()));
            }
            switch (e.tag()) {
                case USER_OBJ -> state = expect(state, USER_OBJ, USER);
                case USER -> {
                    expect(state, USER, USER);
                    needsMask = true;
                }
                case GROUP_OBJ -> state = expect(state, USER, GROUP);
                case GROUP -> {
                    expect(state, GROUP, GROUP);
                    needsMask = true;
                }
                case MASK -> state = expect(state, GROUP, OTHER);
                case OTHER -> {
                    if (state != OTHER && !(state == GROUP && !needsMask)) {
                        throw invalid(state == GROUP ? "named entries but no mask" : "other entry out of place");
                    }
                    state = 0;
                }
                default -> throw invalid("tag 0x" + Integer.toHexString(e.tag()));
            }
        }
        if (state != 0) {
            throw invalid("no other entry at the end");
        }
    }

    private static int expect(int state, int want, int next) {
        if (state != want) {
            throw invalid("entries out of order");
        }
        return next;
    }

    private static PosixException invalid(String why) {
        return new PosixException(Errno.EINVAL, "invalid ACL: " + why);
    }

    /** posix_acl_equiv_mode: whether the mode bits say all this list says (only the three base entries). */
    boolean equivalentToMode() {
        for (Entry e : entries) {
            if (e.tag() == USER || e.tag() == GROUP || e.tag() == MASK) {
                return false;
            }
        }
        return true;
    }

    /** The mode with its rwx bits as this list gives them: owner, mask (else owning group), other. */
    int applyToMode(int mode) {
        int bits = 0;
        for (Entry e : entries) {
            switch (e.tag()) {
                case USER_OBJ -> bits |= (e.perm() & 7) << 6;
                case GROUP_OBJ -> bits |= (e.perm() & 7) << 3;
                case OTHER -> bits |= e.perm() & 7;
                default -> { }
            }
        }
        Entry mask = find(MASK);
        if (mask != null) {
            bits = (bits & ~070) | ((mask.perm() & 7) << 3);
        }
        return (mode & ~0777) | bits;
    }

    private Entry find(int tag) {
        for (Entry e : entries) {
            if (e.tag() == tag) {
                return e;
            }
        }
        return null;
    }

    /**
     * posix_acl_create_masq: a new inode's access list made from its directory's default list and
     * the mode it was created with. The owner, other and mask (else owning-group) entries lose
     * what the mode withholds; the mode loses what they withhold. Returns the inode's list, or
     * null when the result says no more than the mode bits (then none is stored).
     */
    Inherited inherit(int mode) {
        List<Entry> out = new ArrayList<>(entries.size());
        int m = mode & 0777;
        boolean hasMask = find(MASK) != null;
        for (Entry e : entries) {
            switch (e.tag()) {
                case USER_OBJ -> {
                    int p = e.perm() & (m >> 6 | ~7);
                    m &= (p << 6) | ~0700;
                    out.add(new Entry(USER_OBJ, p, e.id()));
                }
                case OTHER -> {
                    int p = e.perm() & (m | ~7);
                    m &= p | ~07;
                    out.add(new Entry(OTHER, p, e.id()));
                }
                default -> out.add(e); // named entries as they are; the mask or owning group below
            }
        }
        int classTag = hasMask ? MASK : GROUP_OBJ;
        for (int i = 0; i < out.size(); i++) {
            Entry e = out.get(i);
            if (e.tag() == classTag) {
                int p = e.perm() & ((m >> 3) | ~7);
                m &= (p << 3) | ~070;
                out.set(i, new Entry(classTag, p, e.id()));
            }
        }
        int newMode = (mode & ~0777) | (m & 0777);
        return new Inherited(newMode, equivalentToMode() ? null : new Acl(out));
    }

    record Inherited(int mode, Acl access) {}

    /** posix_acl_chmod_masq: the list after chmod to {@code mode}: owner, mask (else owning group) and other follow it. */
    Acl chmod(int mode) {
        boolean hasMask = find(MASK) != null;
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int p = switch (e.tag()) {
                case USER_OBJ -> (mode >> 6) & 7;
                case OTHER -> mode & 7;
                case MASK -> (mode >> 3) & 7;
                case GROUP_OBJ -> hasMask ? e.perm() : (mode >> 3) & 7;
                default -> e.perm();
            };
            out.add(new Entry(e.tag(), p, e.id()));
        }
        return new Acl(out);
    }

    /**
     * posix_acl_permission: whether a caller who does not own the inode gets {@code want} (rwx
     * bits): a named-user entry (limited by the mask), else any group entry that matches and
     * grants it (limited by the mask; a matching group that does not grant it refuses), else other.
     */
    boolean permits(Caller c, int fileGid, int want) {
        Entry mask = find(MASK);
        boolean groupMatched = false;
        for (Entry e : entries) {
            switch (e.tag()) {
                case USER -> {
                    if (e.id() == c.uid()) {
                        return masked(e, mask, want);
                    }
                }
                case GROUP_OBJ, GROUP -> {
                    if (c.inGroup(e.tag() == GROUP_OBJ ? fileGid : e.id())) {
                        groupMatched = true;
                        if ((e.perm() & want) == want) {
                            return masked(e, mask, want);
                        }
                    }
                }
                case OTHER -> {
                    return !groupMatched && (e.perm() & want) == want;
                }
                default -> { }
            }
        }
        return false;
    }

    private static boolean masked(Entry e, Entry mask, int want) {
        int p = mask == null ? e.perm() : e.perm() & mask.perm();
        return (p & want) == want;
    }
}
