package io.crfs.protocol;

/**
 * Wire numbers of protocol version 2 (docs/protocol.md), grouped by direction: frame types
 * sent by the client, frame types sent by the server, and the edit ops inside a BATCH.
 * The records of {@link Message} and {@link Edit} return these from {@code type()} and
 * {@code op()}; {@code MessageTable} checks at class init that the two agree.
 */
public final class Opcodes {
    private Opcodes() {}

    // ---------------------------------------------------------------- client to server
    public static final int HELLO = 1;
    public static final int PING = 2;
    public static final int ACQUIRE = 3;
    public static final int RELEASE = 4;
    public static final int REVOKE_DONE = 5;
    public static final int BATCH = 6;
    public static final int READ = 7;
    public static final int FSYNC = 8;
    public static final int ALLOC_INODES = 9;
    public static final int SEEK = 10;
    public static final int STATFS = 11;
    public static final int STATUS = 12;
    public static final int GOODBYE = 13;
    public static final int LOCK = 14;
    public static final int GETLK = 15;
    public static final int FETCH = 16;

    // ---------------------------------------------------------------- server to client
    public static final int WELCOME = 64;
    public static final int OK = 65;
    public static final int ERROR = 66;
    public static final int GRANTED = 67;
    public static final int DATA = 68;
    public static final int APPLIED = 69;
    public static final int INODES = 70;
    public static final int REVOKE = 71;
    public static final int SEEK_RESULT = 72;
    public static final int SPACE = 73;
    public static final int STATUS_TEXT = 74;
    public static final int PONG = 75;
    public static final int LOCK_INFO = 76;
    public static final int ITEMS = 77;

    // ---------------------------------------------------------------- edit ops (BATCH)
    public static final int EDIT_PUT = 1;
    public static final int EDIT_DELETE = 2;
    public static final int EDIT_WRITE = 3;
    public static final int EDIT_TRUNCATE = 4;
    public static final int EDIT_PUNCH = 5;
    public static final int EDIT_ALLOCATE = 6;
    public static final int EDIT_DROP_DATA = 7;
    public static final int EDIT_CLONE = 8;

    // ---------------------------------------------------------------- field values
    /** RELEASE and REVOKE to-mode: give the grant up entirely. */
    public static final int TO_DROP = 0;
    /** RELEASE and REVOKE to-mode: keep the range in READ mode. */
    public static final int TO_READ = 1;
    /** SEEK what, as lseek(2) numbers them. */
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    /** Largest READ length (docs/protocol.md): a DATA reply then still fits a frame. */
    public static final int MAX_READ = 16 << 20;
    /** Largest FETCH limit: an ITEMS reply of items of at most 4 KiB each then still fits a frame. */
    public static final int MAX_FETCH = 4096;

    /** Lock types, as fcntl(2) numbers them. */
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int F_UNLCK = 2;

    /** The name of a frame type as docs/protocol.md spells it, or "TYPE_n" if unknown. */
    public static String name(int type) {
        return MessageTable.name(type);
    }
}
