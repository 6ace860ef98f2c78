package io.crfs.protocol;

/** Wire error codes (docs/protocol.md) with the errno a client reports for each. */
public enum ErrorCode {
    BAD_FRAME(1, 5), VERSION(2, 5), FRAME_TOO_BIG(3, 5), NO_SESSION(4, 5), EVICTED(5, 5), NOT_HELD(6, 5),
    BAD_ITEM(7, 5), CROSS_ITEM(8, 5), FORBIDDEN(9, 1), NO_SPACE(10, 28), TOO_BIG(11, 27), IO(12, 5),
    STALE(13, 116), BAD_RANGE(14, 22),
    /** A conflicting lock is held (F_SETLK without wait). */
    LOCKED(15, 11),
    /** A waiting lock request was cancelled (the caller was interrupted). */
    INTERRUPTED(16, 4);

    private final int code;
    private final int errno;

    ErrorCode(int code, int errno) {
        this.code = code;
        this.errno = errno;
    }

    public int code() {
        return code;
    }

    public int errno() {
        return errno;
    }

    public static ErrorCode of(int code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new ProtocolException(BAD_FRAME, "unknown error code " + code);
    }
}
