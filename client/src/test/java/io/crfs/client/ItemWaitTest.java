package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fetch of items a grant did not bring (a big directory: here every grant brings only the
 * inode item) holds up nothing else of its client while crfsd's answer is on its way, and what
 * it installs when the answer comes never hides an edit this client made meanwhile. crfsd's
 * answers are held back in a relay. Before, the fetch waited with the client's locks held: a
 * listing of a directory of 200,000 names on a fresh mount stopped the mount's other processes
 * for up to 0.4 s.
 */
class ItemWaitTest extends RelayedClientTest {
    long d;
    long n7;
    long y;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer(tmp, 10_000, 1);
        try (CrfsClient w = server.client("w")) { // another client makes them, so a has nothing cached
            PosixFs fs = w.posix();
            d = fs.mkdir(Caller.ROOT, PosixFs.ROOT, bytes("d"), 0755).ino();
            for (int i = 0; i < 50; i++) {
                long ino = fs.create(Caller.ROOT, d, bytes("n-" + i), 0644, true).ino();
                n7 = i == 7 ? ino : n7;
            }
            y = fs.create(Caller.ROOT, PosixFs.ROOT, bytes("y"), 0644, true).ino();
            fs.write(Caller.ROOT, y, 0, bytes("yes"), 0, 3);
            fs.sync();
        }
        connectA();
    }

    private static byte[] read(PosixFs fs, long ino, int length) {
        byte[] b = new byte[length];
        return Arrays.copyOf(b, fs.read(ino, 0, b, 0, length));
    }

    @Test
    void anOperationWaitingForItemsDoesNotHoldUpTheClientsOthers() throws Exception {
        PosixFs fs = a.posix();
        assertThat(read(fs, y, 3)).isEqualTo(bytes("yes"));
        fs.getattr(d); // a READ grant on d, with its inode item only

        Future<Attr> waiting = relay.whileHeld(() -> fs.lookup(Caller.ROOT, d, bytes("n-25")));
        Future<Attr> stat = pool.submit(() -> fs.getattr(y));
        Future<byte[]> cached = pool.submit(() -> read(fs, y, 3));
        assertThat(stat.get(5, TimeUnit.SECONDS).size()).isEqualTo(3);
        assertThat(cached.get(5, TimeUnit.SECONDS)).isEqualTo(bytes("yes"));
        assertThat(waiting.isDone()).as("the lookup in d still waits for crfsd").isFalse();

        relay.release();
        long n25 = waiting.get(10, TimeUnit.SECONDS).ino();
        assertThat(fs.readdir(Caller.ROOT, d, 0, 1000)).hasSize(52); // . and .. too
        assertThat(fs.lookup(Caller.ROOT, d, bytes("n-25")).ino()).isEqualTo(n25);
    }

    /**
     * A call that may not wait ({@link CrfsClient#withoutWaiting}) gives itself up at a fetch;
     * the FETCH stays on its way, and the same call made again (on a thread that may wait) takes
     * its answer without asking again.
     */
    @Test
    void aFetchOfACallThatGaveItselfUpIsTakenByItsNextTry() throws Exception {
        PosixFs fs = a.posix();
        fs.getattr(d);
        fs.getattr(n7); // the lookup's answer needs n-7's grant: taken now
        long sent = a.roundTrips();
        relay.hold(); // the FETCH's answer cannot be there before the call looks
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> a.withoutWaiting(() -> fs.lookup(Caller.ROOT, d, bytes("n-7"))))
                .isInstanceOf(CrfsClient.WouldWait.class);
        relay.release();
        assertThat(a.roundTrips()).as("the FETCH sent").isEqualTo(sent + 1);
        assertThat(fs.lookup(Caller.ROOT, d, bytes("n-7")).ino()).isEqualTo(n7);
        assertThat(a.roundTrips()).as("requests sent by the next try").isEqualTo(sent + 1);
    }

    /**
     * After {@link ItemReads#FETCHES_BEFORE_ALL} fetches of one object, the rest of it is loaded:
     * FETCHes in turn (more than one here: 2,500 names are 5,000 items), each sent when the one
     * before has answered, and waited for as one, with no lock held.
     */
    @Test
    void theRestOfABigDirectoryLoadsWithNoLockHeld() throws Exception {
        long slice = ItemReads.installSliceNanos;
        ItemReads.installSliceNanos = 0; // the store's lock let go after each answer installed
        try {
            restOfABigDirectory();
        } finally {
            ItemReads.installSliceNanos = slice;
        }
    }

    private void restOfABigDirectory() throws Exception {
        long big;
        try (CrfsClient w = server.client("w2")) {
            PosixFs wfs = w.posix();
            big = wfs.mkdir(Caller.ROOT, PosixFs.ROOT, bytes("big"), 0755).ino();
            for (int i = 0; i < 2500; i++) {
                wfs.create(Caller.ROOT, big, bytes("name-" + i), 0644, true);
            }
            wfs.sync();
        }
        PosixFs fs = a.posix();
        assertThat(read(fs, y, 3)).isEqualTo(bytes("yes"));
        for (int i = 0; i < ItemReads.FETCHES_BEFORE_ALL; i++) {
            fs.lookup(Caller.ROOT, big, bytes("name-" + i)); // a fetch of one name each
        }
        Future<Attr> waiting = relay.whileHeld(() -> fs.lookup(Caller.ROOT, big, bytes("name-2499")));
        assertThat(pool.submit(() -> fs.getattr(y)).get(5, TimeUnit.SECONDS).size()).isEqualTo(3);
        assertThat(waiting.isDone()).isFalse();

        relay.release();
        long last = waiting.get(10, TimeUnit.SECONDS).ino();
        relay.hold(); // loaded whole: nothing more is asked
        try {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (var e : fs.readdir(Caller.ROOT, big, 0, 10_000)) {
                names.add(new String(e.name(), StandardCharsets.UTF_8));
            }
            assertThat(names).hasSize(2502).contains("name-0", "name-1234", "name-2499");
            assertThat(fs.lookup(Caller.ROOT, big, bytes("name-2499")).ino()).isEqualTo(last);
        } finally {
            relay.release();
        }
    }

    /**
     * An edit made here after a FETCH went out, which crfsd applied before the fetch's answer was
     * installed, keeps its value: the answer predates it. The install is made to wait behind the
     * edit's batch: a stat of a file with unsent data sends the batch and waits for crfsd's
     * answer holding the store's lock, so the fetch's answer, which comes first, is installed
     * after the batch's.
     */
    @Test
    void anEditMadeHereWhileAFetchIsOnItsWayIsNotUndone() throws Exception {
        PosixFs fs = a.posix();
        long f = fs.create(Caller.ROOT, d, bytes("mine"), 0644, true).ino(); // WRITE on d and on f
        fs.sync();
        byte[] name = bytes("user.k");
        assertThat(getxattr(fs, name)).isNull(); // its key is loaded (known absent), so a set needs no fetch

        Future<List<Item>> scan = relay.whileHeld(() -> a.store().scan(Key.first(d), Key.last(d), 100_000));
        fs.setxattr(Caller.ROOT, d, name, bytes("v"), 0);
        fs.write(Caller.ROOT, f, 0, bytes("x"), 0, 1);
        long before = relay.sent();
        java.util.concurrent.FutureTask<Attr> stat = new java.util.concurrent.FutureTask<>(() -> fs.getattr(f));
        Thread t = Thread.ofPlatform().daemon().name("settling-stat").start(stat);
        relay.awaitWaiting(t, before); // the batch with the xattr is at crfsd, its answer held behind the fetch's

        relay.release();
        stat.get(10, TimeUnit.SECONDS);
        List<Item> got = scan.get(10, TimeUnit.SECONDS);
        assertThat(got.stream().anyMatch(i -> i.key().type() == ItemType.XATTR_ITEM))
                .as("the xattr set meanwhile, in the scan that waited").isTrue();
        assertThat(getxattr(fs, name)).isEqualTo(bytes("v"));
        fs.sync();
        try (CrfsClient other = server.client("other")) {
            assertThat(other.posix().getxattr(Caller.ROOT, d, name)).isEqualTo(bytes("v"));
        }
    }

    private byte[] getxattr(PosixFs fs, byte[] name) {
        try {
            return fs.getxattr(Caller.ROOT, d, name);
        } catch (io.crfs.posix.PosixException e) {
            return null; // ENODATA
        }
    }
}
