package io.crfs.fuse;

/**
 * A LOOKUP-style reply (struct fuse_entry_out). Each Entry returned from lookup, mknod,
 * mkdir, symlink, link, create or readdirplus (except "." and "..") counts one lookup of
 * {@code nodeId} that the kernel later gives back through FORGET. {@code nodeId == 0} is a
 * negative entry: "no such name", cached for {@code entryValidNanos} (lookup only).
 */
public record Entry(long nodeId, long generation, Attr attr, long entryValidNanos, long attrValidNanos) {
    public static Entry negative(long entryValidNanos) {
        return new Entry(0, 0, new Attr(0, 0, 0, 0, 0, 0, 0, 0, 0, FuseTime.ZERO, FuseTime.ZERO, FuseTime.ZERO), entryValidNanos, 0);
    }
}
