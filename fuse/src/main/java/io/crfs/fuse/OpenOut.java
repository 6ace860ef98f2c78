package io.crfs.fuse;

/** An OPEN/OPENDIR reply: the file handle echoed back in later requests and FOPEN_* flags. */
public record OpenOut(long fh, int openFlags) {
    public static final int FOPEN_DIRECT_IO = 1;
    public static final int FOPEN_KEEP_CACHE = 1 << 1;
    public static final int FOPEN_NONSEEKABLE = 1 << 2;
    public static final int FOPEN_CACHE_DIR = 1 << 3;
    public static final int FOPEN_STREAM = 1 << 4;
    public static final int FOPEN_NOFLUSH = 1 << 5;
    public static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;
}
