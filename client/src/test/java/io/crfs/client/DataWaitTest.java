package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A read that waits for file data from crfsd, or an fsync that waits for crfsd's commit (a
 * slow disk, a slow network), holds up nothing else of its client: the client's other
 * operations, on what it caches, complete meanwhile. crfsd's answers are held back in a relay
 * between it and the client. Before, every operation of a client (all processes on a mount)
 * waited behind the one waiting.
 */
class DataWaitTest extends RelayedClientTest {
    private static final int SIZE = 2 << 20;

    long x;
    long y;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(tmp, 10_000);
        try (CrfsClient w = server.client("w")) { // another client writes, so a has nothing cached
            PosixFs fs = w.posix();
            x = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("x"), 0644, true).ino();
            y = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("y"), 0644, true).ino();
            fs.write(Caller.ROOT, x, 0, pattern(), 0, SIZE);
            fs.write(Caller.ROOT, y, 0, bytes("yes"), 0, 3);
            fs.sync();
        }
        connectA();
    }

    private static byte[] pattern() {
        byte[] p = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            p[i] = (byte) (i * 31 + (i >>> 16));
        }
        return p;
    }

    private static byte[] read(PosixFs fs, long ino, long offset, int length) {
        byte[] b = new byte[length];
        int n = fs.read(ino, offset, b, 0, length);
        return Arrays.copyOf(b, n);
    }

    @Test
    void anOperationWaitingForDataDoesNotHoldUpTheClientsOthers() throws Exception {
        PosixFs fs = a.posix();
        fs.getattr(x); // a READ grant on x, none of its data
        assertThat(read(fs, y, 0, 3)).isEqualTo(bytes("yes"));

        Future<byte[]> waiting = relay.whileHeld(() -> read(fs, x, 0, 1 << 20));
        // what the client caches is served while the read waits for crfsd
        Future<Attr> stat = pool.submit(() -> fs.getattr(y));
        Future<byte[]> cached = pool.submit(() -> read(fs, y, 0, 3));
        assertThat(stat.get(5, TimeUnit.SECONDS).size()).isEqualTo(3);
        assertThat(cached.get(5, TimeUnit.SECONDS)).isEqualTo(bytes("yes"));
        assertThat(waiting.isDone()).as("the read of x still waits for crfsd").isFalse();

        relay.release();
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(Arrays.copyOf(pattern(), 1 << 20));
    }

    @Test
    void anFsyncWaitingForCrfsdsCommitDoesNotHoldUpTheClientsOthers() throws Exception {
        PosixFs fs = a.posix();
        assertThat(read(fs, y, 0, 3)).isEqualTo(bytes("yes"));
        fs.write(Caller.ROOT, x, 0, bytes("abc"), 0, 3); // the sync sends it, waits till crfsd applies it, then commits

        Future<Object> syncing = relay.whileHeld(() -> {
            fs.sync();
            return null;
        });
        Future<Attr> stat = pool.submit(() -> fs.getattr(y));
        Future<byte[]> cached = pool.submit(() -> read(fs, y, 0, 3));
        Future<Integer> wrote = pool.submit(() -> fs.write(Caller.ROOT, x, 3, bytes("def"), 0, 3));
        assertThat(stat.get(5, TimeUnit.SECONDS).size()).isEqualTo(3);
        assertThat(cached.get(5, TimeUnit.SECONDS)).isEqualTo(bytes("yes"));
        assertThat(wrote.get(5, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(syncing.isDone()).as("the fsync still waits for crfsd").isFalse();

        relay.release();
        syncing.get(10, TimeUnit.SECONDS);
        fs.sync();
        assertThat(read(fs, x, 0, 6)).isEqualTo(bytes("abcdef"));
    }

    @Test
    void aReadOfDataNotSentYetWaitsForCrfsdToApplyItWithNoLockHeld() throws Exception {
        PosixFs fs = a.posix();
        assertThat(read(fs, y, 0, 3)).isEqualTo(bytes("yes"));
        fs.write(Caller.ROOT, x, 10, bytes("hello"), 0, 5); // part of a chunk: not cached, so the read asks crfsd

        Future<byte[]> waiting = relay.whileHeld(() -> read(fs, x, 0, 64 << 10));
        Future<Attr> stat = pool.submit(() -> fs.getattr(y));
        Future<byte[]> cached = pool.submit(() -> read(fs, y, 0, 3));
        assertThat(stat.get(5, TimeUnit.SECONDS).size()).isEqualTo(3);
        assertThat(cached.get(5, TimeUnit.SECONDS)).isEqualTo(bytes("yes"));
        assertThat(waiting.isDone()).isFalse();

        relay.release();
        byte[] got = waiting.get(10, TimeUnit.SECONDS);
        byte[] want = Arrays.copyOf(pattern(), 64 << 10);
        System.arraycopy(bytes("hello"), 0, want, 10, 5);
        assertThat(got).isEqualTo(want);
    }

    @Test
    void dataThatCameAfterAnEditHereIsNotTaken() throws Exception {
        PosixFs fs = a.posix();
        // a WRITE grant on x, none of its data cached (a write of part of a chunk caches nothing)
        fs.write(Caller.ROOT, x, SIZE - 1, new byte[] {7}, 0, 1);
        fs.sync();

        Future<byte[]> waiting = relay.whileHeld(() -> read(fs, x, 0, 64 << 10));
        // while the READ is out, this client writes the bytes it asked for
        Future<Integer> wrote = pool.submit(() -> fs.write(Caller.ROOT, x, 0, bytes("NEW"), 0, 3));
        assertThat(wrote.get(5, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(waiting.isDone()).isFalse();

        relay.release();
        // crfsd's answer predates the write: the read asks again, and nothing caches the old bytes
        assertThat(Arrays.copyOf(waiting.get(10, TimeUnit.SECONDS), 3)).isEqualTo(bytes("NEW"));
        assertThat(read(fs, x, 0, 4)).isEqualTo(new byte[] {'N', 'E', 'W', pattern()[3]});
    }
}
