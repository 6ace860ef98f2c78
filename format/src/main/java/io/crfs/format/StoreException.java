package io.crfs.format;

/**
 * An {@link ItemStore} could not do what was asked for a reason the caller may map to an errno:
 * {@link Kind#NO_SPACE} (ENOSPC), {@link Kind#CORRUPT} (EIO), {@link Kind#TOO_BIG} (EFBIG/E2BIG),
 * {@link Kind#READ_ONLY} (EROFS), {@link Kind#IO} (EIO), {@link Kind#STALE} (ESTALE).
 */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind { NO_SPACE, CORRUPT, TOO_BIG, READ_ONLY, IO, STALE }

    private final Kind kind;

    public StoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
