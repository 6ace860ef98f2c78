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
    private final boolean yielded;

    NeedReply(CompletableFuture<?> reply) {
        this(reply, false);
    }

    /**
     * {@code yielded}: the reply is there, the attempt gave the lock up only so that others can
     * go first in the middle of long work with it (installing many items); it made progress, and
     * counts as neither a wait nor an attempt.
     */
    NeedReply(CompletableFuture<?> reply, boolean yielded) {
        super(null, null, false, false);
        this.reply = reply;
        this.yielded = yielded;
    }

    boolean yielded() {
        return yielded;
    }

    /** Waits up to {@code millis} for the reply; false if it did not come (or the thread was interrupted). */
    boolean await(long millis) {
        return await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    boolean await(long time, java.util.concurrent.TimeUnit unit) {
        return StoreCalls.awaitQuietly(reply, time, unit); // a failure is the next attempt's to meet
    }
}
