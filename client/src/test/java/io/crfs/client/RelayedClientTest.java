package io.crfs.client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests of a client {@code a} that talks to a test server through a {@link Relay}, which can
 * hold the server's answers back, with a pool for the test's concurrent calls. A subclass makes
 * {@link #server}, sets up what it needs through other clients, then calls {@link #connectA}.
 * After each test the answers go, the pool stops, and the client, relay and server are closed
 * and the image checked.
 */
abstract class RelayedClientTest {
    @TempDir
    Path tmp;
    TestServer server;
    Relay relay;
    CrfsClient a;
    ExecutorService pool;

    void connectA() throws java.io.IOException {
        relay = new Relay(server.port());
        a = CrfsClient.connect("127.0.0.1", relay.port(), "a");
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.release();
        }
        if (pool != null) {
            pool.shutdownNow();
        }
        if (server != null) {
            server.closeAndCheck(a, relay);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
