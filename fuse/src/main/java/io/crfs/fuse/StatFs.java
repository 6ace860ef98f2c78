package io.crfs.fuse;

/** A STATFS reply (struct fuse_kstatfs). */
public record StatFs(long blocks, long bfree, long bavail, long files, long ffree, int bsize, int namelen,
                     int frsize) {
}
