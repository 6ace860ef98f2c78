package io.crfs.posix;

import io.crfs.format.Timespec;

/** The attributes stat(2) reports for one inode. {@code blocks} is in 512-byte units. */
public record Attr(long ino, int mode, long nlink, int uid, int gid, long rdev, long size, long blocks,
                   Timespec atime, Timespec mtime, Timespec ctime, Timespec btime, long generation) {
    public boolean isDir() { return (mode & 0170000) == 0040000; }
    public boolean isRegular() { return (mode & 0170000) == 0100000; }
    public boolean isSymlink() { return (mode & 0170000) == 0120000; }
}
