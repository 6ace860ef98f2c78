package io.crfs.fuse;

/**
 * Attributes of one inode (struct fuse_attr);
 * {@code mode} includes the file type bits (S_IFREG 0100000, S_IFDIR 0040000, ...).
 */
public record Attr(long ino, int mode, int nlink, int uid, int gid, int rdev, long size, long blocks,
                   int blksize, FuseTime atime, FuseTime mtime, FuseTime ctime) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    /** The file type bits of {@code mode}, e.g. {@link #S_IFDIR}. */
    public int type() {
        return mode & S_IFMT;
    }
}
