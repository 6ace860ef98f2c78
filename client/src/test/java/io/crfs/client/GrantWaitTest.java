package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import io.crfs.protocol.Frame;
import io.crfs.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
    /** A client that sends nothing to renew its lease would be evicted after 10 s, far longer than a test takes. */
    TestServer server;
    CrfsClient a;
    CrfsClient b;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(tmp, 10_000);
        a = server.client("a");
        b = server.client("b");
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.closeAndCheck(b, a);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anOperationWaitingForAGrantDoesNotHoldUpTheClientsOthers() throws Exception {
        // before the fix, this test failed once the slow client was evicted (10 s)
        try (RawClient slow = new RawClient(server.port())) {
            PosixFs fs = a.posix();
            long x = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("x"), 0644, true).ino();
            long y = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("y"), 0644, true).ino();
            fs.write(Caller.ROOT, y, 0, bytes("before"), 0, 6);
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
                fs.write(Caller.ROOT, y, 0, bytes("during"), 0, 6);
                byte[] got = new byte[6];
                fs.read(y, 0, got, 0, 6);
                assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("during");
                long z = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("z"), 0644, true).ino();
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
    }

    /**
     * A call made through {@link CrfsClient#withoutWaiting} (a FUSE ring queue's thread, which
     * other processes' requests queue behind) gives itself up instead of waiting long for a grant
     * another client holds, having changed nothing; the ACQUIRE it sent goes on. Once one of its
     * operations has completed, it waits as any call would (what that operation did must not be
     * done twice).
     */
    @Test
    void aCallThatMayNotWaitGivesItselfUpBeforeItChangesAnything() throws Exception {
        PosixFs fs = a.posix();
        long x = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("x"), 0644, true).ino();
        long y = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("y"), 0644, true).ino();
        fs.sync();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (RawClient slow = new RawClient(server.port())) {
            slow.hello("slow");
            assertThat(slow.call(new Message.Acquire(5, Key.first(x), Key.last(x), 2))).isInstanceOf(Message.Granted.class);
            // y's own WRITE grant: x's acquire took the range of new inodes both were made from
            fs.setattr(Caller.ROOT, y, io.crfs.posix.SetAttr.mode(0644));
            long t0 = System.nanoTime();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.withoutWaiting(() -> fs.getattr(x)))
                    .isInstanceOf(CrfsClient.WouldWait.class);
            assertThat(System.nanoTime() - t0).as("it waited about a round trip, not for the slow client (10 s)")
                    .isLessThan(TimeUnit.SECONDS.toNanos(2));
            Frame revoke = slow.read(); // the ACQUIRE it sent goes on: crfsd asks the slow client for x
            assertThat(revoke.message()).isInstanceOf(Message.Revoke.class);
            assertThat(a.withoutWaiting(() -> fs.getattr(y)).ino()).isEqualTo(y); // cached: no wait

            Future<Attr> second = pool.submit(() -> a.withoutWaiting(() -> {
                fs.setattr(Caller.ROOT, y, io.crfs.posix.SetAttr.mode(0600)); // done: the call may not move any more
                return fs.getattr(x); // so this waits for x, behind the ACQUIRE sent before
            }));
            Thread.sleep(100);
            assertThat(second.isDone()).isFalse();
            slow.raw(RawClient.encode(77, new Message.RevokeDone(((Message.Revoke) revoke.message()).revokeId())));
            assertThat(second.get(30, TimeUnit.SECONDS).ino()).isEqualTo(x);
            assertThat(fs.getattr(y).mode() & 07777).isEqualTo(0600);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * An operation that needs READ on an object waits behind another's WRITE acquire of it, then
     * finds the WRITE installed and asks nothing. Asking READ anyway made the server hold both
     * grants (a READ does not absorb a WRITE) while this client knew only the READ, so a later
     * revoke of the WRITE would have been answered as of a grant long gone, without its edits.
     */
    @Test
    void anOperationThatWaitedBehindAWriteAcquireAsksNothingMore() throws Exception {
        PosixFs fa = a.posix(), fb = b.posix();
        long x = fa.create(Caller.ROOT, PosixFs.ROOT, bytes("x"), 0644, true).ino();
        fa.sync();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RawClient slow = new RawClient(server.port())) {
            slow.hello("slow");
            assertThat(slow.call(new Message.Acquire(5, Key.first(x), Key.last(x), 2))).isInstanceOf(Message.Granted.class);
            // an edit that asks WRITE first (a POSIX write asks READ before it): b holds nothing of x meanwhile
            Key none = new Key(x, io.crfs.format.ItemType.XATTR_ITEM, 12345);
            Future<Boolean> write = pool.submit(() -> b.store().delete(none));
            Frame revoke = slow.read(); // b's ACQUIRE of WRITE has reached the server
            assertThat(((Message.Revoke) revoke.message()).toMode()).isZero();
            Thread reader = blockedBehindAnAcquire(() -> fb.read(x, 0, new byte[1], 0, 1));
            slow.raw(RawClient.encode(77, new Message.RevokeDone(((Message.Revoke) revoke.message()).revokeId())));
            assertThat(write.get(30, TimeUnit.SECONDS)).isFalse();
            reader.join(30_000);
            assertThat(reader.isAlive()).as("the read, after the write's acquire").isFalse();
            assertThat(grantsHeldBy("b")).as("b's grants at the server").isEqualTo("grants 1 (write 1)");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Starts {@code call} on a thread of its own and returns once it waits for an acquire of its client. */
    private static Thread blockedBehindAnAcquire(java.util.concurrent.Callable<?> call) throws InterruptedException {
        Thread t = Thread.ofPlatform().daemon().name("behind-acquire").start(() -> {
            try {
                call.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!waitsForAnAcquire(t) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(waitsForAnAcquire(t)).as("the call waits for its turn to acquire").isTrue();
        return t;
    }

    private static boolean waitsForAnAcquire(Thread t) {
        return t.getState() == Thread.State.WAITING && java.util.Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(GrantKeeper.class.getName()) && f.getMethodName().equals("acquire"));
    }

    /** "grants N (write M)" from the server's status line of the session named {@code name}. */
    private String grantsHeldBy(String name) throws Exception {
        String text;
        try (RawClient c = new RawClient(server.port())) {
            c.hello("status");
            text = ((Message.StatusText) c.call(new Message.Status())).text();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("session \\d+ " + name + " +(grants \\d+ \\(write \\d+\\))")
                .matcher(text);
        assertThat(m.find()).as("a session named %s in %s", name, text).isTrue();
        return m.group(1);
    }

    /**
     * Operations of one client acquire different objects side by side while another client keeps
     * taking them back. A REVOKE that overtakes the install of its grant must wait for it, even
     * when a later grant of another object is already installed: judging by the highest grant id
     * installed, the client once answered such a REVOKE as if the grant were gone, installed the
     * grant afterwards and kept serving a cache the server no longer backed.
     */
    @Test
    void revokesThatOvertakeTheirGrantsInstallWaitForIt() throws Exception {
        int files = 4, writes = 3_000;
        PosixFs fa = a.posix(), fb = b.posix();
        long[] ino = new long[files];
        for (int f = 0; f < files; f++) {
            ino[f] = fa.create(Caller.ROOT, PosixFs.ROOT, bytes("f" + f), 0644, true).ino();
        }
        fa.sync();
        ExecutorService pool = Executors.newFixedThreadPool(files);
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        try {
            java.util.List<Future<Integer>> readers = new java.util.ArrayList<>();
            for (int f = 0; f < files; f++) {
                long x = ino[f];
                readers.add(pool.submit(() -> { // b's readers, one per file, while a writes
                    byte[] got = new byte[12];
                    int n = 0;
                    while (writing.get() && n < 10_000_000) {
                        fb.read(x, 0, got, 0, got.length);
                        n++;
                    }
                    return n;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int n = 0;
            while (n < writes && System.nanoTime() < deadline) {
                byte[] v = bytes(String.format("write %06d", ++n));
                fa.write(Caller.ROOT, ino[n % files], 0, v, 0, v.length); // takes the file back from b
            }
            writing.set(false);
            for (Future<Integer> r : readers) {
                r.get(30, TimeUnit.SECONDS);
            }
            // a grant b kept by mistake stays wrong from then on: checking once at the end finds it
            for (int f = 0; f < files; f++) {
                byte[] want = new byte[12], got = new byte[12];
                fa.read(ino[f], 0, want, 0, 12);
                fb.read(ino[f], 0, got, 0, 12);
                assertThat(new String(got, StandardCharsets.UTF_8)).as("file %d after %d writes", f, n)
                        .isEqualTo(new String(want, StandardCharsets.UTF_8));
            }
        } finally {
            writing.set(false);
            pool.shutdownNow();
        }
    }

    /**
     * Now that operations of one client wait for grants side by side, several may want the same
     * object at once. The server's newer grant absorbs the older one, so the client must end up
     * holding the newer: when two acquires ran at once and the older grant was installed last,
     * the client kept a grant the server had dropped, answered the revoke of the newer one
     * without dropping its cache, and went on reading what the other client had overwritten
     * (found by the two-mount fsx run of docs/conformance.md).
     */
    @Test
    void operationsThatNeedOneObjectAtOnceStillSeeEveryChange() throws Exception {
        int rounds = 200, readers = 4;
        PosixFs fa = a.posix(), fb = b.posix();
        long x = fa.create(Caller.ROOT, PosixFs.ROOT, bytes("x"), 0644, true).ino();
        fa.sync();
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try {
            for (int round = 1; round <= rounds; round++) {
                byte[] v = bytes(String.format("round %06d", round));
                fa.write(Caller.ROOT, x, 0, v, 0, v.length); // takes x back from b's readers
                java.util.List<Future<String>> reads = new java.util.ArrayList<>();
                for (int r = 0; r < readers; r++) {
                    reads.add(pool.submit(() -> {
                        byte[] got = new byte[v.length];
                        fb.read(x, 0, got, 0, got.length);
                        return new String(got, StandardCharsets.UTF_8);
                    }));
                }
                for (Future<String> f : reads) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).as("a read by b after round %d's write", round)
                            .isEqualTo(new String(v, StandardCharsets.UTF_8));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
