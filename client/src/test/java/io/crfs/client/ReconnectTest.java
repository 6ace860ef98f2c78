package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dropped connection is resumed within the lease; an evicted client fails clearly instead of hanging. */
class ReconnectTest {
    @TempDir
    Path tmp;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDroppedConnectionIsResumedWithinTheLease() throws Exception {
        try (TestServer server = new TestServer(tmp, 5000); Relay relay = new Relay(server.port());
             CrfsClient c = CrfsClient.connect("127.0.0.1", relay.port(), "roamer")) {
            PosixFs fs = c.posix();
            Attr f = fs.create(Caller.ROOT, PosixFs.ROOT, b("kept"), 0644, true);
            fs.write(Caller.ROOT, f.ino(), 0, b("before"), 0, 6);
            long session = c.sessionId();
            relay.cutAll();
            fs.write(Caller.ROOT, f.ino(), 6, b("+after"), 0, 6);
            fs.sync();
            assertThat(c.sessionId()).as("same session, resumed").isEqualTo(session);
            try (CrfsClient other = server.client("observer")) {
                byte[] got = new byte[12];
                other.posix().read(other.posix().lookup(Caller.ROOT, PosixFs.ROOT, b("kept")).ino(), 0, got, 0, 12);
                assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("before+after");
            }
        }
    }

    @Test
    void anEvictedClientFailsWithAClearError() throws Exception {
        int lease = 1500;
        try (TestServer server = new TestServer(tmp, lease); AgentProcess a = server.agent("sleeper");
             AgentProcess b = server.agent("waker")) {
            a.ok("create /f");
            a.ok("sync");
            a.ok("write /f 0 00"); // a WRITE grant with an unflushed edit, then the client stops answering
            a.frozenWhile(() -> {
                b.ok("write /f 0 6869"); // needs A's grant: A is evicted after the lease
                Thread.sleep(lease * 2L);
            });
            long t0 = System.nanoTime();
            String r = a.send("cat /f", 60);
            assertThat(r).startsWith("err").containsIgnoringCase("evicted").contains("remount");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(30);
            assertThat(b.ok("cat /f")).isEqualTo("6869");
        }
    }

    /**
     * A client evicted while it held only clean cached data must not go on serving it after it
     * wakes: the revoke it missed (still in its socket) or its failed lease renewal, whichever
     * comes first, drops the cache, and reads fail clearly.
     */
    @Test
    void anEvictedReaderStopsServingItsCache() throws Exception {
        int lease = 1500;
        try (TestServer server = new TestServer(tmp, lease); AgentProcess w = server.agent("writer");
             AgentProcess r = server.agent("reader")) {
            w.ok("create /f");
            w.ok("write /f 0 00");
            w.ok("sync");
            assertThat(r.ok("cat /f")).isEqualTo("00"); // cached under a READ grant, nothing unsent
            r.frozenWhile(() -> {
                w.ok("write /f 0 6869"); // needs the reader's grant: it is evicted after the lease
                Thread.sleep(lease * 2L);
            });
            Thread.sleep(lease); // the missed revoke and a lease renewal arrive
            assertThat(r.send("cat /f", 60)).startsWith("err").containsIgnoringCase("evicted");
        }
    }

    /**
     * As above, but the revoke is lost with the reader's connection, so only the eviction the
     * reader learns of when it reconnects can stop it serving the file it still holds a grant on.
     */
    @Test
    void anEvictedReaderWhoseRevokeWasLostStopsServingItsCache() throws Exception {
        int lease = 1500;
        try (TestServer server = new TestServer(tmp, lease); Relay relay = new Relay(server.port());
             AgentProcess w = server.agent("writer"); AgentProcess r = new AgentProcess("127.0.0.1", relay.port(), "reader")) {
            w.ok("create /f");
            w.ok("write /f 0 00");
            w.ok("sync");
            assertThat(r.ok("cat /f")).isEqualTo("00");
            r.frozenWhile(() -> {
                relay.cutAll(); // the revoke below has nowhere to go
                w.ok("write /f 0 6869");
                Thread.sleep(lease * 2L);
            });
            Thread.sleep(lease); // the reader finds its connection gone, reconnects, and is told
            assertThat(r.send("cat /f", 60)).startsWith("err").containsIgnoringCase("evicted");
        }
    }

}
