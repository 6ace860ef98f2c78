package io.crfs.format;

/** One item: its key and its payload bytes (owned by the receiver; do not mutate shared copies). */
public record Item(Key key, byte[] value) {}
