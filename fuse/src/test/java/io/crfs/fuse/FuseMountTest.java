package io.crfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real mount of {@link MemoryFs} (needs root and /dev/fuse; skipped otherwise). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FuseMountTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void needsRootAndFuse() {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
        assumeTrue(Mounter.isRoot(), "mount tests need root");
    }

    static boolean isMountPoint(Path dir) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> l.split(" ")[4]).anyMatch(p -> p.equals(dir.toString()));
        }
    }

    /** The session ends and the directory stops being a mount point within 10 s. */
    static void assertUnmountedSoon(FuseMount m, Path dir) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (m.isMounted() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(m.isMounted()).isFalse();
        assertThat(isMountPoint(dir)).isFalse();
    }

    static String sh(Path cwd, String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() + ":" + out;
    }

    /** FUSE-over-io_uring is offered by this kernel (6.14+, enable_uring set; `crfs test` sets it as root). */
    static boolean kernelOffersUring() {
        try {
            return Files.readString(Path.of("/sys/module/fuse/parameters/enable_uring")).trim().equals("Y");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void exercise(FuseMount.Options options) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("mnt"));
        var fs = new MemoryFs();
        FuseMount m = FuseMount.mount(dir, fs, options);
        try {
            assertThat(m.usesUring()).as("io_uring transport").isEqualTo(options.uring() && kernelOffersUring());
            assertThat(isMountPoint(dir)).isTrue();
            assertThat(m.isMounted()).isTrue();
            Path f = dir.resolve("hello.txt");
            Files.writeString(f, "hello fuse");
            assertThat(Files.readString(f)).isEqualTo("hello fuse");
            assertThat(Files.size(f)).isEqualTo(10);
            Files.writeString(f, " and more", StandardOpenOption.APPEND);
            assertThat(Files.readString(f)).isEqualTo("hello fuse and more");
            Files.writeString(dir.resolve("t"), "a longer first version");
            Files.writeString(dir.resolve("t"), "short"); // O_TRUNC on open
            assertThat(Files.readString(dir.resolve("t"))).isEqualTo("short");
            Files.delete(dir.resolve("t"));

            Files.createDirectory(dir.resolve("sub"));
            Files.move(f, dir.resolve("sub/moved.txt"));
            assertThat(Files.exists(f)).isFalse();
            assertThat(Files.readString(dir.resolve("sub/moved.txt"))).isEqualTo("hello fuse and more");
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactly("sub");
            }
            assertThat(Files.isDirectory(dir.resolve("sub"))).isTrue();
            Files.setPosixFilePermissions(dir.resolve("sub/moved.txt"), PosixFilePermissions.fromString("rw-------"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/moved.txt"))))
                .isEqualTo("rw-------");

            byte[] big = new byte[3 << 20];
            new java.util.Random(42).nextBytes(big);
            Files.write(dir.resolve("big"), big);
            assertThat(Files.readAllBytes(dir.resolve("big"))).isEqualTo(big);
            Files.delete(dir.resolve("big"));
            assertThatThrownBy(() -> Files.size(dir.resolve("big"))).isInstanceOf(NoSuchFileException.class);

            assertThat(sh(dir, "echo x >> sub/moved.txt && cat sub/moved.txt"))
                .isEqualTo("0:hello fuse and morex\n");
            assertThat(sh(dir, "ls -l sub")).startsWith("0:").contains("-rw------- 1 root root 21 ")
                .contains("moved.txt");
            assertThat(sh(dir, "ln -s sub/moved.txt link && readlink link && cat link && ln sub/moved.txt hard"
                + " && stat -c %h hard")).isEqualTo("0:sub/moved.txt\nhello fuse and morex\n2\n");
            assertThat(sh(dir, "rm link hard && rmdir sub 2>&1; echo $?")).contains("Directory not empty");

            java.util.stream.IntStream.range(0, 8).parallel().forEach(i -> {
                try {
                    for (int j = 0; j < 20; j++) {
                        Path p = dir.resolve("par" + i);
                        Files.writeString(p, "thread " + i + " round " + j);
                        assertThat(Files.readString(p)).isEqualTo("thread " + i + " round " + j);
                    }
                    Files.delete(dir.resolve("par" + i));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            Files.writeString(dir.resolve(MemoryFs.BOOM), "x");
            assertThatThrownBy(() -> Files.readString(dir.resolve(MemoryFs.BOOM)))
                .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
            assertThat(sh(dir, "cat boom")).contains("Input/output error");
            Files.writeString(dir.resolve("after"), "still alive");
            assertThat(Files.readString(dir.resolve("after"))).isEqualTo("still alive");
        } finally {
            m.close();
        }
        assertThat(isMountPoint(dir)).isFalse();
        assertThat(m.isMounted()).isFalse();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void shouldServeJavaNioAndTheShellThroughMount2() throws Exception {
        exercise(FuseMount.Options.defaults());
    }

    @Test
    void shouldServeThroughDevFuseAloneWhenIoUringIsNotWanted() throws Exception {
        exercise(FuseMount.Options.defaults().withUring(false));
    }

    @Test
    void shouldFallBackToDevFuseWhenTheRingCannotBeSetUp() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernelOffersUring(), "the kernel does not offer FUSE-over-io_uring");
        RingQueue.failForTest = true;
        try {
            Path dir = Files.createDirectory(tmp.resolve("mnt"));
            try (FuseMount m = FuseMount.mount(dir, new MemoryFs(), FuseMount.Options.defaults())) {
                assertThat(m.usesUring()).isFalse();
                Path f = dir.resolve("after-fallback");
                Files.writeString(f, "served");
                assertThat(Files.readString(f)).isEqualTo("served");
            }
        } finally {
            RingQueue.failForTest = false;
        }
    }

    /**
     * A request whose operation would wait moves off its CPU's ring queue ({@link MoveRequest}),
     * so the requests of other processes on that CPU are served meanwhile. Before, the queue's one
     * thread waited with it, and they waited too.
     */
    @Test
    void aRequestThatMovesOffTheRingHoldsUpNoOtherOnItsCpu() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernelOffersUring(), "the kernel does not offer FUSE-over-io_uring");
        var release = new java.util.concurrent.CountDownLatch(1);
        var slowCalls = new java.util.concurrent.atomic.AtomicInteger();
        var fs = new MemoryFs() {
            @Override
            public Entry mkdir(FuseContext ctx, long parent, String name, int mode, int umask) {
                if (name.equals("slow")) {
                    if (ctx.movable()) {
                        throw new MoveRequest();
                    }
                    slowCalls.incrementAndGet();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.mkdir(ctx, parent, name, mode, umask);
            }
        };
        Path dir = Files.createDirectory(tmp.resolve("moves"));
        Process slow = null;
        try (FuseMount m = FuseMount.mount(dir, fs, FuseMount.Options.defaults())) {
            assertThat(m.usesUring()).isTrue();
            Files.writeString(dir.resolve("fast"), "quick");
            // a request with a name (a payload) answered with an entry: moved, its answer must come back whole
            slow = new ProcessBuilder("taskset", "-c", "0", "mkdir", "slow").directory(dir.toFile())
                .redirectErrorStream(true).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (slowCalls.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(slowCalls.get()).as("the slow mkdir, moved and waiting").isEqualTo(1);
            // the same CPU's queue serves another process's open, read and close meanwhile
            Process fast = new ProcessBuilder("taskset", "-c", "0", "cat", "fast").directory(dir.toFile())
                .redirectErrorStream(true).start();
            assertThat(fast.waitFor(5, TimeUnit.SECONDS)).as("cat on the CPU of the waiting mkdir").isTrue();
            assertThat(new String(fast.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("quick");
            assertThat(slow.isAlive()).as("the mkdir still waits").isTrue();
            release.countDown();
            assertThat(slow.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(slow.exitValue()).isZero();
            assertThat(Files.isDirectory(dir.resolve("slow"))).isTrue();
        } finally {
            release.countDown();
            if (slow != null) {
                slow.destroyForcibly();
            }
        }
    }

    /**
     * Each CPU's ring queue is answered by a thread bound to that CPU, under SCHED_BATCH so that a
     * request does not switch its caller out (RingQueue), as seen in /proc.
     */
    @Test
    void ringThreadsAreBoundToTheirCpuAndDoNotPreemptTheirCallers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernelOffersUring(), "the kernel does not offer FUSE-over-io_uring");
        Path dir = Files.createDirectory(tmp.resolve("r")); // threads "fuse-r-ringN": within comm's 15 characters
        try (FuseMount m = FuseMount.mount(dir, new MemoryFs(), FuseMount.Options.defaults())) {
            assertThat(m.usesUring()).isTrue();
            Files.writeString(dir.resolve("f"), "served");
            java.util.Map<Integer, String> seen = new java.util.TreeMap<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    String comm = comm(t);
                    if (!comm.startsWith("fuse-r-ring")) {
                        continue;
                    }
                    String stat = Files.readString(t.resolve("stat"));
                    int policy = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[38]);
                    String cpus = Files.readAllLines(t.resolve("status")).stream()
                        .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow().split(":")[1].trim();
                    seen.put(Integer.parseInt(comm.substring("fuse-r-ring".length())), "policy " + policy + ", cpus " + cpus);
                }
            }
            int cpus = Runtime.getRuntime().availableProcessors();
            assertThat(seen).hasSize(cpus);
            seen.forEach((qid, what) -> assertThat(what).as("ring queue " + qid).isEqualTo("policy 3, cpus " + qid));
            assertThat(Files.readString(dir.resolve("f"))).isEqualTo("served");
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).trim();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }

    /** A ring queue that stops cannot hand its CPU's requests to another: they fail instead of hanging. */
    @Test
    void shouldEndTheConnectionWhenARingQueueFails() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernelOffersUring(), "the kernel does not offer FUSE-over-io_uring");
        Path dir = Files.createDirectory(tmp.resolve("crash"));
        try (FuseMount m = FuseMount.mount(dir, new MemoryFs(), FuseMount.Options.defaults())) {
            assertThat(m.usesUring()).isTrue();
            // the next request on either CPU's queue: the first lookup (nothing else is in flight)
            RingQueue.crashForTest = true;
            String outcome = "NoSuchFile";
            for (int i = 0; i < 100 && outcome.contains("NoSuchFile") && m.isMounted(); i++) {
                Path p = dir.resolve("not-there-" + i);
                var lookup = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        Files.readAttributes(p, "unix:ino");
                        return "found";
                    } catch (IOException e) {
                        return e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                });
                outcome = lookup.get(20, TimeUnit.SECONDS); // a hang fails the test here
            }
            assertThat(outcome).as("a lookup once the queue failed").containsAnyOf("connection abort", "not connected");
            assertUnmountedSoon(m, dir);
        } finally {
            RingQueue.crashForTest = false;
        }
    }

    @Test
    void shouldServeThroughFusermount3() throws Exception {
        exercise(FuseMount.Options.defaults().withFusermount(true).withReaddirplus(false).withWorkers(2));
    }

    @Test
    void shouldStopWhenUnmountedFromOutside() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ext"));
        FuseMount m = FuseMount.mount(dir, new MemoryFs(), FuseMount.Options.defaults());
        try {
            assertThat(sh(tmp, "umount " + dir)).startsWith("0:");
            assertUnmountedSoon(m, dir);
        } finally {
            m.close();
        }
    }

    /**
     * A ring mount keeps one /dev/fuse worker (it brings only forgets and interrupts). In a fresh
     * JVM the first worker took long enough to start and answer INIT that the pool grew to a
     * dozen workers meanwhile, each with 2 MiB of buffers (a warm JVM answers INIT too soon).
     */
    @Test
    void aRingMountInAFreshJvmKeepsOneDevFuseWorker() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernelOffersUring(), "the kernel does not offer FUSE-over-io_uring");
        Path dir = Files.createDirectory(tmp.resolve("w"));
        Process p = mountInAnotherJvm(dir);
        try {
            Files.writeString(dir.resolve("f"), "served");
            Thread.sleep(200); // longer than the pool waits before it grows
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
                assertThat(tasks.map(FuseMountTest::comm).filter(c -> c.matches("fuse-w-[0-9]+")).toList())
                    .as("/dev/fuse workers").containsExactly("fuse-w-0");
            }
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook unmounts
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            if (isMountPoint(dir)) {
                sh(tmp, "umount -l " + dir);
            }
        }
    }

    /** A {@link MountMain} JVM that has mounted a {@link MemoryFs} on {@code dir}. */
    private static Process mountInAnotherJvm(Path dir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"), MountMain.class.getName(), dir.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        String line = out.readLine();
        if (!"mounted".equals(line)) {
            p.destroyForcibly();
            throw new AssertionError("the mount JVM said " + line + " instead of \"mounted\"");
        }
        return p;
    }

    @Test
    void shouldUnmountWhenTheJvmGetsSigterm() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("sig"));
        Process p = mountInAnotherJvm(dir);
        try {
            assertThat(isMountPoint(dir)).isTrue();
            Files.writeString(dir.resolve("f"), "served by another JVM");
            assertThat(Files.readString(dir.resolve("f"))).isEqualTo("served by another JVM");
            p.destroy(); // SIGTERM: the shutdown hook unmounts
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(isMountPoint(dir)).isFalse();
        } finally {
            p.destroyForcibly();
            if (isMountPoint(dir)) {
                sh(tmp, "umount -l " + dir);
            }
        }
    }

    @Test
    void shouldSeeNewContentAfterNotify() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("notify"));
        var fs = new MemoryFs();
        FuseMount m = FuseMount.mount(dir, fs, FuseMount.Options.defaults());
        try {
            Path f = dir.resolve("cached");
            Files.writeString(f, "old content");
            assertThat(Files.readString(f)).isEqualTo("old content");
            long ino = (Long) Files.getAttribute(f, "unix:ino");
            fs.setContent(ino, "NEW CONTENT".getBytes()); // same size: only the page cache is stale
            assertThat(Files.readString(f)).as("served from the kernel's caches").isEqualTo("old content");
            assertThat(m.notifier().notifyInvalInode(ino, 0, 0)).isTrue();
            assertThat(Files.readString(f)).isEqualTo("NEW CONTENT");

            // a name created behind the kernel's back replaces a cached negative... and a cached positive entry
            fs.add(1, "other", Attr.S_IFREG | 0644);
            synchronized (fs) {
                fs.dir(1).children.remove("cached");
                fs.dir(1).children.put("renamed", ino);
            }
            assertThat(Files.exists(f)).as("dentry still cached").isTrue();
            assertThat(m.notifier().notifyInvalEntry(1, "cached")).isTrue();
            assertThat(Files.exists(f)).isFalse();
            assertThat(m.notifier().notifyDelete(1, 999_999, "nothing-cached")).isFalse();
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .isEqualTo(List.of("other", "renamed"));
            }
        } finally {
            m.close();
        }
        assertThat(isMountPoint(dir)).isFalse();
    }
}
