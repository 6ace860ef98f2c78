package io.crfs.fuse;

/**
 * A POSIX byte-range lock (struct fuse_file_lock): [start, end] inclusive, end = Long.MAX_VALUE
 * (OFFSET_MAX) for "to end of file"; type F_RDLCK 0, F_WRLCK 1, F_UNLCK 2; pid of the owner.
 */
public record FileLock(long start, long end, int type, int pid) {
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int F_UNLCK = 2;
}
