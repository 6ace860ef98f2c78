package io.crfs.protocol;

/** A message with its request id (0 for server-initiated messages). */
public record Frame(long id, Message message) {
    public static final int MAGIC = 0x5243;
    public static final int VERSION = 4;
    /** Bytes of the header after the length field: magic, version, type, request id. */
    public static final int HEADER = 12;
    public static final int MAX_LENGTH = (32 << 20) + 64;
}
