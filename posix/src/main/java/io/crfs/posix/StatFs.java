package io.crfs.posix;

/** statfs(2) figures; block counts are in units of {@code blockSize}. */
public record StatFs(int blockSize, long blocks, long blocksFree, long blocksAvail, long files, long filesFree, int nameMax) {}
