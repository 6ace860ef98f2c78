package io.crfs.posix;

import io.crfs.format.Timespec;

/**
 * A setattr request: null fields are left alone. {@code atimeNow}/{@code mtimeNow} set the time
 * to the current time (utimensat UTIME_NOW), which needs only write permission. {@code
 * chownNoIds} is chown(2) with -1 for both ids: no id changes, but chown's side effects (the
 * setuid/setgid and file capability kill of a non-directory, and ctime).
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long size, Timespec atime, Timespec mtime,
                      boolean atimeNow, boolean mtimeNow, Timespec ctime, boolean chownNoIds) {
    public SetAttr(Integer mode, Integer uid, Integer gid, Long size, Timespec atime, Timespec mtime,
                   boolean atimeNow, boolean mtimeNow, Timespec ctime) {
        this(mode, uid, gid, size, atime, mtime, atimeNow, mtimeNow, ctime, false);
    }

    public static SetAttr mode(int mode) { return new SetAttr(mode, null, null, null, null, null, false, false, null); }
    public static SetAttr owner(Integer uid, Integer gid) { return new SetAttr(null, uid, gid, null, null, null, false, false, null); }
    public static SetAttr size(long size) { return new SetAttr(null, null, null, size, null, null, false, false, null); }
    public static SetAttr times(Timespec atime, Timespec mtime) { return new SetAttr(null, null, null, null, atime, mtime, false, false, null); }
    /** chown(path, -1, -1). */
    public static SetAttr chownWithoutIds() { return new SetAttr(null, null, null, null, null, null, false, false, null, true); }
}
