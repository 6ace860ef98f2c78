package io.crfs.posix;

/**
 * A POSIX operation failed with a Linux errno; the message says which object and why. It is an
 * answer to the caller (ENOENT from a lookup is routine), not a bug report, so it carries no
 * stack trace: filling one in cost more than the lookup itself.
 */
public final class PosixException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public PosixException(Errno errno, String message) {
        super(errno.name() + ": " + message, null, false, false);
        this.errno = errno;
    }

    /** The same, caused by a failure below (a store or format error), which is kept as the cause. */
    public PosixException(Errno errno, String message, Throwable cause) {
        super(errno.name() + ": " + message, cause, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
