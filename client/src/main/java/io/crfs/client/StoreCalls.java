package io.crfs.client;

import io.crfs.format.StoreException;
import io.crfs.protocol.Message;
import java.io.IOException;

/** Calls to the server on behalf of the store: their failures as {@link StoreException}s. */
final class StoreCalls {
    private StoreCalls() {}

    /** A call to the server; a refusal or a lost connection becomes a {@link StoreException}. */
    static Message call(Session session, Message m) {
        try {
            return session.call(m);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** The answer to a request sent with {@link Session#send}, as {@link #call} would give it. */
    static Message await(Session session, Message m, java.util.concurrent.CompletableFuture<Message> reply) {
        try {
            return session.await(m, reply);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** A call's failure as the store reports it: a refusal keeps its kind, anything else is I/O. */
    static StoreException failure(IOException e) {
        return new StoreException(e instanceof RemoteException r ? kind(r) : StoreException.Kind.IO, e.getMessage(), e);
    }

    /**
     * Waits up to {@code millis} for {@code reply}, whatever it brings (whoever takes it deals
     * with a failure); false if it did not come in time or the thread was interrupted.
     */
    static boolean awaitQuietly(java.util.concurrent.CompletableFuture<?> reply, long millis) {
        return awaitQuietly(reply, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    static boolean awaitQuietly(java.util.concurrent.CompletableFuture<?> reply, long time,
            java.util.concurrent.TimeUnit unit) {
        try {
            reply.get(time, unit);
        } catch (java.util.concurrent.ExecutionException e) {
            // the one who takes the answer meets the failure as a call would
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    /** What the server's error code means to a caller of the store. */
    static StoreException.Kind kind(RemoteException e) {
        return switch (e.code()) {
            case NO_SPACE -> StoreException.Kind.NO_SPACE;
            case TOO_BIG -> StoreException.Kind.TOO_BIG;
            case STALE -> StoreException.Kind.STALE;
            default -> StoreException.Kind.IO;
        };
    }
}
