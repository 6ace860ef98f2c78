package io.crfs.client;

import java.util.concurrent.CompletableFuture;

/**
 * Thrown inside an attempt that gives itself up to wait for crfsd's answer with no lock held (a
 * READ for file data, a FETCH of items a grant did not bring): {@link RemoteStore} waits for the
 * reply, then runs the operation again, and the new attempt takes what came.
 */
final class NeedReply extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient CompletableFuture<?> reply;

    NeedReply(CompletableFuture<?> reply) {
        super(null, null, false, false);
        this.reply = reply;
    }

    /** Waits up to {@code millis} for the reply; false if it did not come (or the thread was interrupted). */
    boolean await(long millis) {
        return StoreCalls.awaitQuietly(reply, millis); // a failure is the next attempt's to meet
    }
}
