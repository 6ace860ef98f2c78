package io.crfs.posix;

import java.util.function.Supplier;

/**
 * Who performs an operation: used for permission checks and owners of new inodes. The
 * supplementary groups may be given lazily: finding them can cost a system call (FUSE sends
 * only uid and gid) and most checks are settled by owner or primary group alone. The umask
 * applies to the permission bits of inodes the caller makes, unless the directory has a default
 * ACL, which then takes its place (as in Linux).
 */
public final class Caller {
    public static final Caller ROOT = new Caller(0, 0, new int[0], 0);

    private final int uid;
    private final int gid;
    private final int umask;
    private Supplier<int[]> lazyGroups;
    private int[] groups;

    public Caller(int uid, int gid, int[] groups, int umask) {
        this.uid = uid;
        this.gid = gid;
        this.groups = groups.clone();
        this.umask = umask;
    }

    private Caller(int uid, int gid, Supplier<int[]> groups, int umask) {
        this.uid = uid;
        this.gid = gid;
        this.lazyGroups = groups;
        this.umask = umask;
    }

    /** A caller whose supplementary groups are looked up on first need (at most once). */
    public static Caller withLazyGroups(int uid, int gid, Supplier<int[]> groups, int umask) {
        return new Caller(uid, gid, groups, umask);
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    public int umask() {
        return umask;
    }

    /** The supplementary groups (a copy). */
    public int[] groups() {
        return groups0().clone();
    }

    private synchronized int[] groups0() {
        if (groups == null) {
            int[] g = lazyGroups.get();
            groups = g == null ? new int[0] : g.clone();
            lazyGroups = null;
        }
        return groups;
    }

    public boolean isRoot() {
        return uid == 0;
    }

    public boolean inGroup(int g) {
        if (g == gid) {
            return true;
        }
        for (int x : groups0()) {
            if (x == g) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Caller[uid=" + uid + ", gid=" + gid + "]";
    }
}
