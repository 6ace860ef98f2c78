package io.crfs.client;

import java.util.function.Supplier;

/**
 * A call made through {@link CrfsClient#withoutWaiting} on this thread: whether it may still give
 * itself up instead of waiting for crfsd ({@code armed}; cleared when one of its operations ends,
 * for what that did must not be done twice), and until when it may wait before it does.
 * {@link RemoteStore#operation} reads and clears it.
 */
final class NoWait {
    /**
     * How long in all such a call may wait for crfsd before it gives itself up: about a round
     * trip on a LAN. Most waits (a grant nobody else holds, a small fetch) end sooner, and moving
     * the call elsewhere would cost more than they do; a grant another client must give back
     * first, or a big fetch, takes longer.
     */
    static final long SHORT_WAIT_NANOS = 1_000_000L;

    private static final ThreadLocal<NoWait> CURRENT = ThreadLocal.withInitial(NoWait::new);

    boolean armed;
    long until;

    private NoWait() {
    }

    /** This thread's state (not armed unless inside {@link #run}). */
    static NoWait current() {
        return CURRENT.get();
    }

    static <T> T run(Supplier<T> call) {
        NoWait w = CURRENT.get();
        w.armed = true;
        w.until = System.nanoTime() + SHORT_WAIT_NANOS;
        try {
            return call.get();
        } finally {
            w.armed = false;
        }
    }
}
