package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.crfs.format.Hashes;
import io.crfs.format.ItemStore;
import io.crfs.format.Timespec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Hooks and helpers of the POSIX contract ({@link PosixContract}). Tests use only the public
 * PosixFs API and the ItemStore interface, so any ItemStore (memory, local volume, remote
 * client) can run them.
 */
public abstract class ContractBase {
    protected static final long ROOT = PosixFs.ROOT;
    protected static final Caller ROOTC = Caller.ROOT;
    protected static final Caller ALICE = new Caller(1000, 1000, new int[] {1000, 50}, 0);
    protected static final Caller BOB = new Caller(1001, 1001, new int[] {1001}, 0);
    protected static final Caller CAROL = new Caller(1002, 50, new int[] {50}, 0);

    protected ItemStore store;
    protected PosixFs fs;
    protected TestClock clock;

    /** A store over a fresh, empty fs tree (the root directory may already exist, as after mkfs). */
    protected abstract ItemStore newStore();

    /** Makes the edits so far one committed transaction; later edits carry a new transid. */
    protected void commit(ItemStore s) {
    }

    /** A store over the same volume as after a restart at the last commit (default: the same one). */
    protected ItemStore reopen(ItemStore s) {
        return s;
    }

    /** Releases what {@link #newStore} took (files, mounts). */
    protected void close(ItemStore s) {
    }

    @BeforeEach
    protected void setUpFs() {
        clock = new TestClock(Instant.parse("2026-01-02T03:04:05.123456789Z"));
        store = newStore();
        fs = new PosixFs(store, clock);
        fs.initRoot(0755, 0, 0);
    }

    @AfterEach
    protected void tearDownFs() {
        if (store != null) {
            close(store);
        }
    }

    protected void commit() {
        commit(store);
    }

    /** Commit, reopen the store and start a new PosixFs on it (open handles are forgotten, as in a crash). */
    protected void reopenFs() {
        commit(store);
        store = reopen(store);
        fs = new PosixFs(store, clock);
    }

    protected void tick() {
        clock.advance(Duration.ofSeconds(1));
    }

    protected Timespec now() {
        return Timespec.of(clock.instant());
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    protected static byte[] bytes(int n, int seed) {
        byte[] out = new byte[n];
        java.util.Random r = new java.util.Random(seed);
        r.nextBytes(out);
        return out;
    }

    protected static Errno errno(ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected a PosixException").isInstanceOf(PosixException.class);
        return ((PosixException) t).errno();
    }

    protected static void assertErrno(Errno expected, ThrowingCallable call) {
        assertThat(errno(call)).isEqualTo(expected);
    }

    protected Attr file(long dir, String name) {
        return fs.create(ROOTC, dir, b(name), 0644, true);
    }

    protected Attr file(long dir, String name, byte[] content) {
        Attr a = file(dir, name);
        fs.write(ROOTC, a.ino(), 0, content, 0, content.length);
        return fs.getattr(a.ino());
    }

    protected Attr dir(long parent, String name) {
        return fs.mkdir(ROOTC, parent, b(name), 0755);
    }

    /** A directory anyone may write in (for tests of unprivileged callers). */
    protected Attr openDir(long parent, String name) {
        Attr a = dir(parent, name);
        return fs.setattr(ROOTC, a.ino(), SetAttr.mode(0777));
    }

    protected byte[] readAll(long ino) {
        long size = fs.getattr(ino).size();
        byte[] out = new byte[(int) size];
        int n = fs.read(ino, 0, out, 0, out.length);
        assertThat(n).isEqualTo(out.length);
        return out;
    }

    protected List<String> names(long dir) {
        List<String> out = new ArrayList<>();
        for (DirEntryInfo e : readdirAll(ROOTC, dir, 1000)) {
            out.add(str(e.name()));
        }
        return out;
    }

    protected List<DirEntryInfo> readdirAll(Caller c, long dir, int batch) {
        List<DirEntryInfo> out = new ArrayList<>();
        long cookie = 0;
        while (true) {
            List<DirEntryInfo> part = fs.readdir(c, dir, cookie, batch);
            if (part.isEmpty()) {
                return out;
            }
            out.addAll(part);
            cookie = part.get(part.size() - 1).cookie();
        }
    }

    protected long ino(long dir, String name) {
        return fs.lookup(ROOTC, dir, b(name)).ino();
    }

    /** Two distinct names of the form prefix + number with the same btrfs name hash (CRC32C birthday search). */
    protected static byte[][] collidingNames(String prefix) {
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; ; i++) {
            long h = Hashes.nameHash(b(prefix + i));
            Integer j = seen.putIfAbsent(h, i);
            if (j != null) {
                return new byte[][] {b(prefix + j), b(prefix + i)};
            }
        }
    }
}
