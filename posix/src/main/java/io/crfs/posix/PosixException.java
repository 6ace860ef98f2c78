package io.crfs.posix;

/** A POSIX operation failed with a Linux errno; the message says which object and why. */
public final class PosixException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public PosixException(Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
