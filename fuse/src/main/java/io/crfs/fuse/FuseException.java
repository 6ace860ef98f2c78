package io.crfs.fuse;

/**
 * An operation failed with a POSIX errno; the dispatcher replies with {@code -errno}.
 * Any other exception thrown by a {@link FuseFileSystem} becomes {@link Errno#EIO}.
 */
public final class FuseException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public FuseException(int errno) {
        this(errno, Errno.name(errno));
    }

    public FuseException(int errno, String message) {
        super(message, null, false, false); // errors are control flow here: no stack trace
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive: " + errno);
        }
        this.errno = errno;
    }

    /** The positive errno, e.g. {@link Errno#ENOENT}. */
    public int errno() {
        return errno;
    }
}
