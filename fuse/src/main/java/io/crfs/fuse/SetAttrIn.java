package io.crfs.fuse;

/**
 * A SETATTR request (struct fuse_setattr_in): only the fields whose FATTR_* bit is in
 * {@code valid} are meaningful. With
 * {@link #atimeNow()}/{@link #mtimeNow()} the file system uses its own clock.
 */
public record SetAttrIn(int valid, long fh, long size, long lockOwner, FuseTime atime, FuseTime mtime, FuseTime ctime,
                        int mode, int uid, int gid) {
    public static final int FATTR_MODE = 1;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    public static final int FATTR_SIZE = 1 << 3;
    public static final int FATTR_ATIME = 1 << 4;
    public static final int FATTR_MTIME = 1 << 5;
    public static final int FATTR_FH = 1 << 6;
    public static final int FATTR_ATIME_NOW = 1 << 7;
    public static final int FATTR_MTIME_NOW = 1 << 8;
    public static final int FATTR_LOCKOWNER = 1 << 9;
    public static final int FATTR_CTIME = 1 << 10;
    public static final int FATTR_KILL_SUIDGID = 1 << 11;

    public boolean has(int bit) { return (valid & bit) != 0; }
    public boolean hasMode() { return has(FATTR_MODE); }
    public boolean hasUid() { return has(FATTR_UID); }
    public boolean hasGid() { return has(FATTR_GID); }
    public boolean hasSize() { return has(FATTR_SIZE); }
    public boolean hasAtime() { return has(FATTR_ATIME); }
    public boolean hasMtime() { return has(FATTR_MTIME); }
    public boolean hasCtime() { return has(FATTR_CTIME); }
    public boolean hasFh() { return has(FATTR_FH); }
    public boolean atimeNow() { return has(FATTR_ATIME_NOW); }
    public boolean mtimeNow() { return has(FATTR_MTIME_NOW); }
}
