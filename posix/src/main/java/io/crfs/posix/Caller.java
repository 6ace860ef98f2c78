package io.crfs.posix;

/** Who performs an operation: used for permission checks and owners of new inodes. */
public record Caller(int uid, int gid, int[] groups, int umask) {
    public static final Caller ROOT = new Caller(0, 0, new int[0], 0);

    public boolean isRoot() {
        return uid == 0;
    }

    public boolean inGroup(int g) {
        if (g == gid) {
            return true;
        }
        for (int x : groups) {
            if (x == g) {
                return true;
            }
        }
        return false;
    }
}
