package io.crfs.posix;

/** One readdir entry: name, inode, dir-entry type (DirEntry.FT_*), and the cookie to resume after it. */
public record DirEntryInfo(byte[] name, long ino, int type, long cookie) {}
