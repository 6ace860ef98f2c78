package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that gives a grant back while the server is revoking it has answered that revoke: it
 * may have forgotten the grant already (a batch crfsd refused drops the whole cache), and then it
 * cannot tell the revoke from one that overtook its grant's install, which it answers only once
 * its acquires in flight are in. Those may queue behind the very request that waits for the
 * revoke. Before, the server kept waiting for the answer and evicted the client after a lease
 * (two mounts filling a small volume: one was evicted).
 */
class CrossingReleaseTest {
    private static final int LEASE_MS = 800;

    @TempDir
    Path tmp;

    @Test
    void aReleaseThatCrossesItsRevokeAnswersIt() throws Exception {
        try (TestServer server = new TestServer(tmp, LEASE_MS);
             RawClient a = new RawClient(server.port()); RawClient b = new RawClient(server.port())) {
            a.hello("a");
            b.hello("b");
            Key min = Key.first(256), max = Key.last(256);
            Message.Granted g = (Message.Granted) a.call(new Message.Acquire(ObjectIds.FS_TREE, min, max, 1));
            CompletableFuture<Message> write = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.call(new Message.Acquire(ObjectIds.FS_TREE, min, max, 2));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Frame f;
            do {
                f = a.read();
            } while (f != null && !(f.message() instanceof Message.Revoke));
            assertThat(f).as("a revoke for a").isNotNull();
            assertThat(((Message.Revoke) f.message()).grantId()).isEqualTo(g.grantId());
            // no REVOKE_DONE: the grant goes back as a client that had forgotten it gives it back
            assertThat(a.call(new Message.Release(g.grantId(), 0))).isInstanceOf(Message.Ok.class);
            assertThat(write.get(10, TimeUnit.SECONDS)).isInstanceOf(Message.Granted.class);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3L * LEASE_MS);
            while (System.nanoTime() < until) { // the lease kept up; only the unanswered revoke could end it
                assertThat(a.call(new Message.Ping())).as("a's session").isInstanceOf(Message.Pong.class);
                Thread.sleep(LEASE_MS / 8);
            }
        }
    }
}
