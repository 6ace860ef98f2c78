package io.crfs.posix;

import io.crfs.format.Timespec;

/**
 * A setattr request: null fields are left alone. {@code atimeNow}/{@code mtimeNow} set the time
 * to the current time (utimensat UTIME_NOW), which needs only write permission.
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long size, Timespec atime, Timespec mtime,
                      boolean atimeNow, boolean mtimeNow, Timespec ctime) {
    public static SetAttr mode(int mode) { return new SetAttr(mode, null, null, null, null, null, false, false, null); }
    public static SetAttr owner(Integer uid, Integer gid) { return new SetAttr(null, uid, gid, null, null, null, false, false, null); }
    public static SetAttr size(long size) { return new SetAttr(null, null, null, size, null, null, false, false, null); }
    public static SetAttr times(Timespec atime, Timespec mtime) { return new SetAttr(null, null, null, null, atime, mtime, false, false, null); }
}
