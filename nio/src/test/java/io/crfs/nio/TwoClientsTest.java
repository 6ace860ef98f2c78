package io.crfs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two file systems, two clients (two sessions) of one crfsd: coherence and watch services. */
class TwoClientsTest {
    CrfsdFixture server;
    FileSystem a;
    FileSystem b;

    @BeforeEach
    void start() throws IOException {
        server = new CrfsdFixture();
        a = FileSystems.newFileSystem(server.uri("/"), Map.of("name", "client-a"));
        b = FileSystems.newFileSystem(server.uri("/"), Map.of("name", "client-b"));
    }

    @AfterEach
    void stop() throws IOException {
        try {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
        } finally {
            server.close();
        }
    }

    @Test
    void testTwoFileSystems_areTwoSessions() {
        assertThat(a).isNotSameAs(b);
        assertThat(((CrfsFileSystem) a).client().sessionId()).isNotEqualTo(((CrfsFileSystem) b).client().sessionId());
    }

    @Test
    void testLocks_areSeenByTheOtherClient() throws Exception {
        Path pa = a.getPath("/locked");
        Files.write(pa, new byte[100]);
        Path pb = b.getPath("/locked");
        try (FileChannel ca = FileChannel.open(pa, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel cb = FileChannel.open(pb, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            var la = ca.lock(0, 50, false);
            assertThat(cb.tryLock(10, 10, true)).as("conflicts with the other client's write lock").isNull();
            assertThat(cb.tryLock(50, 50, false)).as("a disjoint range").isNotNull();
            var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return cb.lock(0, 10, false);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, java.util.concurrent.Executors.newSingleThreadExecutor());
            Thread.sleep(200);
            assertThat(waiting).isNotDone();
            la.release();
            assertThat(waiting.get(10, java.util.concurrent.TimeUnit.SECONDS).isValid()).isTrue();
        }
    }

    @Test
    void testWrites_seenByTheOtherClientAtOnce() throws IOException {
        Path pa = a.getPath("/shared.txt");
        Path pb = b.getPath("/shared.txt");
        Files.writeString(pa, "one");
        assertThat(Files.readString(pb)).isEqualTo("one"); // no sync, no wait
        Files.writeString(pb, "two, longer");
        assertThat(Files.readString(pa)).isEqualTo("two, longer");
        assertThat(Files.size(pa)).isEqualTo(11);
        try (FileChannel ca = FileChannel.open(pa, StandardOpenOption.WRITE);
             FileChannel cb = FileChannel.open(pb, StandardOpenOption.READ)) {
            ca.write(ByteBuffer.wrap("TWO".getBytes(StandardCharsets.UTF_8)), 0);
            ByteBuffer buf = ByteBuffer.allocate(3);
            cb.read(buf, 0);
            assertThat(new String(buf.array(), StandardCharsets.UTF_8)).isEqualTo("TWO");
        }
    }

    @Test
    void testRenamesAndDeletes_seenByTheOtherClientAtOnce() throws IOException {
        Files.createDirectories(a.getPath("/d/sub"));
        Files.writeString(a.getPath("/d/sub/f"), "data");
        try (Stream<Path> s = Files.walk(b.getPath("/d"))) {
            assertThat(s.count()).isEqualTo(3);
        }
        Files.move(b.getPath("/d/sub/f"), b.getPath("/d/g"));
        assertThat(Files.exists(a.getPath("/d/sub/f"))).isFalse();
        assertThat(Files.readString(a.getPath("/d/g"))).isEqualTo("data");
        Files.delete(a.getPath("/d/g"));
        assertThatThrownBy(() -> Files.readString(b.getPath("/d/g"))).isInstanceOf(NoSuchFileException.class);
        Files.move(a.getPath("/d/sub"), a.getPath("/moved"));
        assertThat(Files.isDirectory(b.getPath("/moved"))).isTrue();
        assertThat(Files.exists(b.getPath("/d/sub"))).isFalse();
    }

    /** Collects events from a watch service until {@code done} holds or 10 s pass. */
    private static List<String> await(WatchService ws, java.util.function.Predicate<List<String>> done)
            throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.test(seen) && System.nanoTime() < deadline) {
            WatchKey k = ws.poll(100, TimeUnit.MILLISECONDS);
            if (k == null) {
                continue;
            }
            for (WatchEvent<?> e : k.pollEvents()) {
                seen.add(e.kind().name() + " " + e.context());
            }
            k.reset();
        }
        return seen;
    }

    @Test
    @SuppressWarnings("try")
    void testWatchService_seesChangesOfTheOtherClient() throws Exception {
        Path dirA = Files.createDirectory(a.getPath("/watched"));
        Files.writeString(a.getPath("/watched/existing"), "x");
        try (WatchService ws = a.newWatchService()) {
            WatchKey key = dirA.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            assertThat(key.watchable()).isEqualTo(dirA);
            Files.writeString(b.getPath("/watched/new"), "from b");
            assertThat(await(ws, s -> s.contains("ENTRY_CREATE new"))).contains("ENTRY_CREATE new");
            Files.writeString(b.getPath("/watched/existing"), "changed by b", StandardOpenOption.APPEND);
            assertThat(await(ws, s -> s.contains("ENTRY_MODIFY existing"))).contains("ENTRY_MODIFY existing");
            Files.delete(b.getPath("/watched/new"));
            assertThat(await(ws, s -> s.contains("ENTRY_DELETE new"))).contains("ENTRY_DELETE new");
            Files.move(b.getPath("/watched/existing"), b.getPath("/watched/renamed"));
            assertThat(await(ws, s -> s.contains("ENTRY_DELETE existing") && s.contains("ENTRY_CREATE renamed")))
                    .contains("ENTRY_DELETE existing", "ENTRY_CREATE renamed");
            Files.writeString(a.getPath("/watched/local"), "by a itself");
            assertThat(await(ws, s -> s.contains("ENTRY_CREATE local"))).contains("ENTRY_CREATE local");
            key.cancel();
            assertThat(key.isValid()).isFalse();
            ws.close();
            assertThatThrownBy(ws::poll).isInstanceOf(ClosedWatchServiceException.class);
        }
    }
}
