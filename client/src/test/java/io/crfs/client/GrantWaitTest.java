package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import io.crfs.volume.Oracles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operation that waits for a grant another client is slow to give back holds up nothing
 * else of its client: the client's other operations, on what it caches or can get at once,
 * complete meanwhile. Before, every operation of a client (all processes on a mount) waited
 * behind the one waiting for the grant.
 */
class GrantWaitTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anOperationWaitingForAGrantDoesNotHoldUpTheClientsOthers() throws Exception {
        // the slow client sends nothing to renew its lease: it would be evicted after 10 s, far
        // longer than this test takes; before the fix, the test failed once that happened
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient a = server.client("a");
             RawClient slow = new RawClient(server.port())) {
            PosixFs fs = a.posix();
            long x = fs.create(Caller.ROOT, PosixFs.ROOT, b("x"), 0644, true).ino();
            long y = fs.create(Caller.ROOT, PosixFs.ROOT, b("y"), 0644, true).ino();
            fs.write(Caller.ROOT, y, 0, b("before"), 0, 6);
            fs.sync();

            slow.hello("slow");
            // the server takes x from a (a answers its revoke at once) and gives it to the slow client
            assertThat(slow.call(new Message.Acquire(5, Key.first(x), Key.last(x), 2))).isInstanceOf(Message.Granted.class);

            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Attr> waiting = pool.submit(() -> fs.getattr(x));
                // the server asks the slow client for x only once a's request for it has come
                Frame revoke = slow.read();
                assertThat(revoke).isNotNull();
                assertThat(revoke.message()).isInstanceOf(Message.Revoke.class);

                // meanwhile a's other operations complete, while the one on x still waits
                fs.write(Caller.ROOT, y, 0, b("during"), 0, 6);
                byte[] got = new byte[6];
                fs.read(y, 0, got, 0, 6);
                assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("during");
                long z = fs.create(Caller.ROOT, PosixFs.ROOT, b("z"), 0644, true).ino();
                assertThat(fs.getattr(z).ino()).isEqualTo(z);
                assertThat(waiting.isDone()).as("the operation on x, still waiting for the slow client").isFalse();

                // the slow client gives x back: the waiting operation completes
                slow.raw(RawClient.encode(77, new Message.RevokeDone(((Message.Revoke) revoke.message()).revokeId())));
                assertThat(waiting.get(30, TimeUnit.SECONDS).ino()).isEqualTo(x);
            } finally {
                pool.shutdownNow();
            }
            fs.sync();
        }
        Path img = tmp.resolve("srv.img");
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
    }
}
