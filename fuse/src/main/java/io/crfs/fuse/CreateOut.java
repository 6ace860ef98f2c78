package io.crfs.fuse;

/** A CREATE reply: the new entry (one lookup) and the open file. */
public record CreateOut(Entry entry, OpenOut open) {
}
