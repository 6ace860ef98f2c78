package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.volume.Oracles;
import io.crfs.volume.Volume;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a client holding WRITE grants, and of the server in the middle of a workload. */
class FailureTest {
    @TempDir
    Path tmp;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A client killed while it had a file open that another client then removed: once crfsd
     * evicts it, crfsd deletes the orphan itself (before, it stayed until crfsd's next start).
     */
    @Test
    void theOrphanOfAKilledHolderGoesWithItsEviction() throws Exception {
        int lease = 1500;
        try (TestServer server = new TestServer(tmp, lease); AgentProcess a = server.agent("holder");
             CrfsClient b = server.client("remover")) {
            a.ok("create /f");
            a.ok("write /f 0 " + HexFormat.of().formatHex(b("open when killed")));
            a.ok("open /f");
            PosixFs fb = b.posix();
            long ino = fb.lookup(Caller.ROOT, PosixFs.ROOT, b("f")).ino();
            fb.unlink(Caller.ROOT, PosixFs.ROOT, b("f"));
            assertThat(fb.getattr(ino).nlink()).as("an orphan while the holder lives").isZero();
            a.kill();
            // watched through the status, not the inode: a client that keeps taking the inode's
            // grant back would keep the sweeper from it
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4L * lease + 5000);
            while (!server.server.status().contains("orphans deleted after their holders left 1")
                    && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(server.server.status()).contains("orphans deleted after their holders left 1");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> fb.getattr(ino))
                    .isInstanceOf(io.crfs.posix.PosixException.class);
            assertThat(OpenElsewhereTest.orphans(b)).isEmpty();
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(tmp.resolve("srv.img"))).isEmpty();
        }
    }

    @Test
    void killedWriterIsEvictedWithinTheLeaseAndOthersProceed() throws Exception {
        int lease = 2000;
        try (TestServer server = new TestServer(tmp, lease); AgentProcess a = server.agent("doomed");
             AgentProcess b = server.agent("survivor")) {
            a.ok("mkdir /d");
            a.ok("create /d/f");
            a.ok("write /d/f 0 " + HexFormat.of().formatHex(b("before")));
            a.ok("sync");
            a.ok("write /d/f 0 " + HexFormat.of().formatHex(b("unsynced-and-maybe-lost")));
            a.ok("create /d/g");
            a.kill();
            long t0 = System.nanoTime();
            String seen = b.ok("cat /d/f");
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            String text = new String(HexFormat.of().parseHex(seen), StandardCharsets.UTF_8);
            assertThat(text).isIn("before", "unsynced-and-maybe-lost");
            assertThat(waitedMs).as("survivor waited for the eviction").isLessThan(lease * 3L + 2000);
            b.ok("write /d/f 0 " + HexFormat.of().formatHex(b("survivor")));
            b.ok("sync");
            System.out.println("survivor proceeded after " + waitedMs + " ms (lease " + lease + " ms)");
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(tmp.resolve("srv.img"))).isEmpty();
        }
    }

    @Test
    void serverKilledMidWorkloadKeepsEverythingFsynced() throws Exception {
        Path img = tmp.resolve("srv.img");
        Volume.mkfs(img, 512L << 20, io.crfs.volume.MkfsOptions.defaults());
        Map<String, byte[]> synced = new ConcurrentHashMap<>();
        Process srv = startServer(img);
        int port = portOf(srv);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                try (CrfsClient c = CrfsClient.connect("127.0.0.1", port, "writer-" + id)) {
                    PosixFs fs = c.posix();
                    Attr dir = fs.mkdir(Caller.ROOT, PosixFs.ROOT, b("w" + id), 0755);
                    for (int i = 0; !stop.get() && i < 100_000; i++) {
                        String name = "f" + i;
                        byte[] data = new byte[1000 + (i * 7919) % 60_000];
                        java.util.Arrays.fill(data, (byte) (i + id));
                        Attr f = fs.create(Caller.ROOT, dir.ino(), b(name), 0644, true);
                        fs.write(Caller.ROOT, f.ino(), 0, data, 0, data.length);
                        if (i % 3 == 0) {
                            fs.sync();
                            synced.put("w" + id + "/" + name, data);
                        }
                    }
                } catch (Exception e) {
                    // the server died under us: expected
                }
            });
            t.start();
            writers.add(t);
        }
        Thread.sleep(3000);
        srv.destroyForcibly();
        srv.waitFor(10, TimeUnit.SECONDS);
        stop.set(true);
        for (Thread t : writers) {
            t.join(120_000);
        }
        assertThat(synced).isNotEmpty();
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
        // restart: every fsync'd file is there with its bytes
        Process again = startServer(img);
        try (CrfsClient c = CrfsClient.connect("127.0.0.1", portOf(again), "checker")) {
            PosixFs fs = c.posix();
            for (Map.Entry<String, byte[]> e : synced.entrySet()) {
                String[] p = e.getKey().split("/");
                long dir = fs.lookup(Caller.ROOT, PosixFs.ROOT, b(p[0])).ino();
                Attr f = fs.lookup(Caller.ROOT, dir, b(p[1]));
                byte[] got = new byte[(int) f.size()];
                fs.read(f.ino(), 0, got, 0, got.length);
                assertThat(got).as(e.getKey()).isEqualTo(e.getValue());
            }
            System.out.println("server crash: " + synced.size() + " fsync'd files all present after restart");
        } finally {
            again.destroy();
            again.waitFor(30, TimeUnit.SECONDS);
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
    }

    private static Process startServer(Path img) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp,
                ServerAgent.class.getName(), img.toString(), "0", "3000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int portOf(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertThat(line).startsWith("port ");
        return Integer.parseInt(line.substring(5).trim());
    }
}
