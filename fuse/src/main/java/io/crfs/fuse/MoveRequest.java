package io.crfs.fuse;

/**
 * Thrown by an operation whose {@link FuseContext#movable()} is true, instead of waiting for
 * something slow: the request is run again, from the start, on a thread where its wait holds up
 * no other caller's request. The operation must not have changed anything yet.
 */
public final class MoveRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MoveRequest() {
        super(null, null, false, false);
    }
}
