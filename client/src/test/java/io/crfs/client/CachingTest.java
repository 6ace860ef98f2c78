package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.PosixFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caching is real: what a client holds is served without the network, and creates are batched. */
class CachingTest {
    @TempDir
    Path tmp;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rereadingAndRelistingWhatIsHeldSendsNothing() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000); CrfsClient c = server.client("cache")) {
            PosixFs fs = c.posix();
            Attr d = fs.mkdir(Caller.ROOT, PosixFs.ROOT, b("dir"), 0755);
            Attr f = fs.create(Caller.ROOT, d.ino(), b("file"), 0644, true);
            byte[] data = new byte[300_000];
            new Random(1).nextBytes(data);
            fs.write(Caller.ROOT, f.ino(), 0, data, 0, data.length);
            fs.sync();
            byte[] got = new byte[data.length];
            fs.read(f.ino(), 0, got, 0, got.length); // first read may fetch
            fs.readdir(Caller.ROOT, d.ino(), 0, 100);
            long before = c.roundTrips();
            for (int i = 0; i < 20; i++) {
                fs.read(f.ino(), 0, got, 0, got.length);
                fs.readdir(Caller.ROOT, d.ino(), 0, 100);
                fs.lookup(Caller.ROOT, d.ino(), b("file"));
                fs.getattr(f.ino());
            }
            assertThat(c.roundTrips()).as("round trips for cached reads").isEqualTo(before);
            assertThat(got).isEqualTo(data);
        }
    }

    @Test
    void creatingTenThousandFilesInOwnDirectoryIsBatched() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000); CrfsClient c = server.client("creator")) {
            PosixFs fs = c.posix();
            Attr d = fs.mkdir(Caller.ROOT, PosixFs.ROOT, b("own"), 0755);
            long before = c.roundTrips();
            long t0 = System.nanoTime();
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                fs.create(Caller.ROOT, d.ino(), b("file-" + i), 0644, true);
            }
            fs.sync();
            long trips = c.roundTrips() - before;
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("10000 creates: %d round trips (%.4f per file), %.0f creates/s%n", trips, trips / (double) n,
                    n / secs);
            assertThat(trips).isLessThan(n / 20);
            try (CrfsClient other = server.client("reader")) {
                assertThat(other.posix().readdir(Caller.ROOT, d.ino(), 0, 20_000)).hasSize(n + 2);
            }
        }
    }

    /**
     * A file written sequentially in small pieces reaches the volume as a few large extents
     * (writes that continue the last one join it in the dirty batch), not one per write; a write
     * elsewhere in between, and another client's read, see every byte at every step.
     */
    @Test
    void smallSequentialWritesBecomeFewExtents() throws Exception {
        byte[] data = new byte[6 << 20];
        new Random(5).nextBytes(data);
        long ino;
        TestServer server = new TestServer(tmp, 10_000);
        try (CrfsClient c = server.client("writer"); CrfsClient other = server.client("reader")) {
            PosixFs fs = c.posix();
            ino = fs.create(Caller.ROOT, PosixFs.ROOT, b("seq"), 0644, true).ino();
            for (int at = 0; at < data.length; at += 4096) {
                fs.write(Caller.ROOT, ino, at, data, at, 4096);
                if (at == 1 << 20) { // a write elsewhere, then the sequence goes on
                    fs.write(Caller.ROOT, ino, 100, data, 100, 10);
                }
                if (at == 3 << 20) {
                    byte[] got = new byte[at + 4096];
                    assertThat(other.posix().read(ino, 0, got, 0, got.length)).isEqualTo(got.length);
                    assertThat(got).isEqualTo(java.util.Arrays.copyOf(data, got.length));
                }
            }
            fs.sync();
            byte[] got = new byte[data.length];
            assertThat(other.posix().read(ino, 0, got, 0, got.length)).isEqualTo(data.length);
            assertThat(got).isEqualTo(data);
        }
        server.closeAndCheck();
        try (io.crfs.volume.Volume v = io.crfs.volume.Volume.open(server.image)) {
            int extents = v.fsTree().scan(new io.crfs.format.Key(ino, io.crfs.format.ItemType.EXTENT_DATA, 0),
                    new io.crfs.format.Key(ino, io.crfs.format.ItemType.EXTENT_DATA, -1L), Integer.MAX_VALUE).size();
            // 1,536 writes: one extent per batch of at most 8 MiB, plus the pieces the writes
            // elsewhere (and the other client's read, which takes the data back) cut
            assertThat(extents).isBetween(1, 12);
        }
    }

    /**
     * Two files written at once, 4 KiB at a time in turn, each become a few extents, not one per
     * write: each write joins the last dirty write of its own file. Writes of one file's
     * inode item (chmod) between two of its writes, and a clone of the whole of the other (which
     * is being written over), keep their place: the clone has the new bytes before that point and
     * the old ones after it, every byte and the mode are right at the end, and btrfs check passes.
     */
    @Test
    void interleavedWritersEachBecomeFewExtents() throws Exception {
        byte[] a = randomBytes(6 << 20, 6), b = randomBytes(6 << 20, 7), old = randomBytes(6 << 20, 8);
        long ia, ib, ic;
        TestServer server = new TestServer(tmp, 10_000);
        try (CrfsClient c = server.client("writer"); CrfsClient other = server.client("reader")) {
            PosixFs fs = c.posix();
            ia = fs.create(Caller.ROOT, PosixFs.ROOT, b("a"), 0644, true).ino();
            ib = fs.create(Caller.ROOT, PosixFs.ROOT, b("b"), 0644, true).ino();
            ic = fs.create(Caller.ROOT, PosixFs.ROOT, b("c"), 0644, true).ino();
            fs.write(Caller.ROOT, ib, 0, old, 0, old.length);
            fs.sync();
            int cut = 2 << 20;
            for (int at = 0; at < a.length; at += 4096) {
                fs.write(Caller.ROOT, ia, at, a, at, 4096);
                fs.write(Caller.ROOT, ib, at, b, at, 4096);
                if (at + 4096 == cut) {
                    fs.setattr(Caller.ROOT, ia, io.crfs.posix.SetAttr.mode(0600));
                    // the clone reads b as it is now: the writes of b that follow must not reach it
                    assertThat(fs.copyFileRange(Caller.ROOT, ib, 0, ic, 0, b.length, 0)).isEqualTo(b.length);
                }
                if (at + 4096 == a.length - (64 << 10)) { // near the end: the writes that follow go in the same batch
                    fs.setattr(Caller.ROOT, ia, io.crfs.posix.SetAttr.mode(0640));
                    fs.setattr(Caller.ROOT, ib, io.crfs.posix.SetAttr.times(null, new io.crfs.format.Timespec(1_000_000, 0)));
                }
            }
            io.crfs.format.Timespec ma = fs.getattr(ia).mtime(), mb = fs.getattr(ib).mtime();
            assertThat(mb.sec()).isGreaterThan(1_000_000);
            fs.sync();
            byte[] got = new byte[a.length];
            assertThat(other.posix().read(ia, 0, got, 0, got.length)).isEqualTo(a.length);
            assertThat(got).isEqualTo(a);
            assertThat(other.posix().read(ib, 0, got, 0, got.length)).isEqualTo(b.length);
            assertThat(got).isEqualTo(b);
            byte[] copy = java.util.Arrays.copyOf(b, b.length);
            System.arraycopy(old, cut, copy, cut, old.length - cut);
            assertThat(other.posix().read(ic, 0, got, 0, got.length)).isEqualTo(copy.length);
            assertThat(got).isEqualTo(copy);
            assertThat(other.posix().getattr(ia).mode() & 07777).isEqualTo(0640);
            // the inode items the server holds are the writer's last ones, not the chmod's or utimes'
            // (the writes that followed them set a later mtime)
            assertThat(other.posix().getattr(ia).mtime()).isEqualTo(ma);
            assertThat(other.posix().getattr(ib).mtime()).isEqualTo(mb);
        }
        server.closeAndCheck();
        try (io.crfs.volume.Volume v = io.crfs.volume.Volume.open(server.image)) {
            for (long ino : new long[] {ia, ib}) {
                int extents = v.fsTree().scan(new io.crfs.format.Key(ino, io.crfs.format.ItemType.EXTENT_DATA, 0),
                        new io.crfs.format.Key(ino, io.crfs.format.ItemType.EXTENT_DATA, -1L), Integer.MAX_VALUE).size();
                // 1,536 writes each: about one extent per batch (8 MiB shared by the two files),
                // plus the cuts the chmod and the clone make
                assertThat(extents).as("extents of inode %d", ino).isBetween(1, 12);
            }
        }
    }

    /**
     * WRITE data travels in reused arrays (DataBuffers): the client's go back only once crfsd has
     * applied their batch, crfsd's once it has. Files written one after another in pieces of
     * several sizes, with batches in flight while later writes take arrays, all read back right
     * from another client, and btrfs check passes.
     */
    @Test
    void reusedWriteArraysNeverMixFiles() throws Exception {
        int files = 12;
        int size = (3 << 20) + 5;
        TestServer server = new TestServer(tmp, 10_000);
        try (CrfsClient c = server.client("writer"); CrfsClient other = server.client("reader")) {
            PosixFs fs = c.posix();
            long[] inos = new long[files];
            byte[][] want = new byte[files][];
            for (int f = 0; f < files; f++) {
                want[f] = randomBytes(size, 100 + f);
                inos[f] = fs.create(Caller.ROOT, PosixFs.ROOT, b("w" + f), 0644, true).ino();
                int piece = f % 3 == 0 ? 1 << 20 : f % 3 == 1 ? (64 << 10) + 3 : 300_000;
                for (int at = 0; at < size; at += piece) {
                    fs.write(Caller.ROOT, inos[f], at, want[f], at, Math.min(piece, size - at));
                }
                if (f % 4 == 3) { // a hole, then a write past it: a write that joins nothing
                    fs.write(Caller.ROOT, inos[f], size + (1 << 20), want[f], 7, 70_000);
                }
            }
            fs.sync();
            for (int f = 0; f < files; f++) {
                byte[] got = new byte[size];
                assertThat(other.posix().read(inos[f], 0, got, 0, size)).isEqualTo(size);
                assertThat(got).as("file %d", f).isEqualTo(want[f]);
                if (f % 4 == 3) {
                    byte[] tail = new byte[70_000];
                    assertThat(other.posix().read(inos[f], size + (1 << 20), tail, 0, tail.length)).isEqualTo(tail.length);
                    assertThat(tail).isEqualTo(java.util.Arrays.copyOfRange(want[f], 7, 70_007));
                }
            }
        }
        server.closeAndCheck();
    }

    /**
     * A sequential reader is read ahead (up to 4 MiB per request, the next request sent before
     * it is needed); what is read ahead must never hide a change: another client's write between
     * two of the reader's calls, and the reader's own write, are both seen.
     */
    @Test
    void readAheadNeverHidesAChange() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient a = server.client("reader");
             CrfsClient w = server.client("writer")) {
            PosixFs fa = a.posix(), fw = w.posix();
            byte[] data = randomBytes(24 << 20, 2);
            Attr f = written(fw, "big", data);
            byte[] got = new byte[1 << 20];
            long trips = a.roundTrips();
            for (int mib = 0; mib < 24; mib++) {
                if (mib == 9) { // the writer changes bytes the reader's read-ahead may already hold
                    byte[] patch = new byte[3 << 20];
                    java.util.Arrays.fill(patch, (byte) 7);
                    fw.write(Caller.ROOT, f.ino(), 9L << 20, patch, 0, patch.length);
                    System.arraycopy(patch, 0, data, 9 << 20, patch.length);
                }
                if (mib == 16) { // and the reader itself writes ahead of where it reads
                    byte[] own = new byte[100_000];
                    java.util.Arrays.fill(own, (byte) 9);
                    fa.write(Caller.ROOT, f.ino(), (17L << 20) + 5, own, 0, own.length);
                    System.arraycopy(own, 0, data, (17 << 20) + 5, own.length);
                }
                assertThat(fa.read(f.ino(), (long) mib << 20, got, 0, got.length)).isEqualTo(got.length);
                assertThat(got).as("MiB %d", mib).isEqualTo(java.util.Arrays.copyOfRange(data, mib << 20, (mib + 1) << 20));
            }
            // 24 MiB in 4 MiB requests, plus the grant traffic of the two writes and the READs sent
            // ahead that the changes made useless (three at a time; 18 here): fewer than one per MiB
            assertThat(a.roundTrips() - trips).as("requests for 24 MiB").isLessThan(24);
        }
    }

    /**
     * The kernel's read-ahead READs come on several threads and may arrive out of order. One
     * that arrives ahead of its turn, inside the READs already sent ahead, must take those, and
     * one that arrives late, behind the reader, must be served alone: neither may throw the
     * reader's READs ahead away and fetch their chunks again (the server then sent a third more
     * than the file).
     */
    private static final int[] SWAPPED = {1, 0, 2, 3, 4, 5, 6, 7, 8, 10, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};

    @Test
    void readsOutOfOrderKeepTheReadAhead() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient a = server.client("reader");
             CrfsClient w = server.client("writer")) {
            PosixFs fa = a.posix(), fw = w.posix();
            byte[] data = randomBytes(24 << 20, 3);
            long[] trips = new long[2];
            for (int run = 0; run < 2; run++) {
                Attr f = written(fw, "seq" + run, data);
                fa.getattr(f.ino());
                byte[] got = new byte[1 << 20];
                long before = a.roundTrips();
                for (int mib = 0; mib < 24; mib++) {
                    int at = run == 0 ? mib : SWAPPED[mib]; // run 1: MiB 1 before 0 (behind), 10 before 9 (ahead)
                    assertThat(fa.read(f.ino(), (long) at << 20, got, 0, got.length)).isEqualTo(got.length);
                    assertThat(got).as("run %d MiB %d", run, at).isEqualTo(java.util.Arrays.copyOfRange(data, at << 20, (at + 1) << 20));
                }
                trips[run] = a.roundTrips() - before;
            }
            // the late read of MiB 0 is one READ of its own; nothing else may be asked for again
            assertThat(trips[1]).as("requests with reads swapped, against in order (%d)", trips[0]).isLessThanOrEqualTo(trips[0] + 1);
        }
    }

    /**
     * Under a kernel page cache (a FUSE mount), the chunks a sequential reader reads to their end
     * leave the client's cache at once: a 24 MiB stream holds a few read-aheads of memory, and a
     * small file cached before it stays cached. Without one (Java programs), the stream stays
     * cached for the next read.
     */
    @Test
    void aStreamedFileIsUsedOnceOnlyUnderAKernelPageCache() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient w = server.client("writer")) {
            PosixFs fw = w.posix();
            byte[] small = randomBytes(1 << 20, 4), big = randomBytes(24 << 20, 5);
            Attr s = written(fw, "small", small), f = written(fw, "big", big);
            for (boolean kernel : new boolean[] {true, false}) {
                try (CrfsClient a = CrfsClient.connect("127.0.0.1", server.port(), "reader-" + kernel, Caller.ROOT,
                        CrfsClient.Options.defaults().withKernelPageCache(kernel))) {
                    PosixFs fa = a.posix();
                    RemoteStore store = (RemoteStore) a.store();
                    byte[] got = new byte[1 << 20];
                    assertThat(fa.read(s.ino(), 0, got, 0, got.length)).isEqualTo(got.length);
                    long most = 0;
                    for (int mib = 0; mib < 24; mib++) {
                        assertThat(fa.read(f.ino(), (long) mib << 20, got, 0, got.length)).isEqualTo(got.length);
                        assertThat(got).as("kernel cache %s, MiB %d", kernel, mib)
                            .isEqualTo(java.util.Arrays.copyOfRange(big, mib << 20, (mib + 1) << 20));
                        most = Math.max(most, store.cachedDataBytes());
                    }
                    long before = a.roundTrips();
                    assertThat(fa.read(s.ino(), 0, got, 0, got.length)).isEqualTo(got.length);
                    assertThat(got).isEqualTo(small);
                    assertThat(a.roundTrips() - before).as("the small file, read again (kernel cache %s)", kernel).isZero();
                    before = a.roundTrips(); // MiB 12: well inside the stream (its first read was not known to be one)
                    assertThat(fa.read(f.ino(), 12L << 20, got, 0, got.length)).isEqualTo(got.length);
                    assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(big, 12 << 20, 13 << 20));
                    long again = a.roundTrips() - before;
                    if (kernel) {
                        // the small file, the read-aheads (three of 4 MiB) and the 4 MiB being read
                        assertThat(most).as("most bytes cached while streaming").isLessThanOrEqualTo(18L << 20);
                        assertThat(again).as("the stream's MiB 12, read again").isPositive();
                    } else {
                        assertThat(most).as("most bytes cached while streaming").isGreaterThanOrEqualTo(24L << 20);
                        assertThat(again).as("the stream's MiB 12, read again").isZero();
                    }
                }
            }
        }
    }

    /**
     * A file read to its end and then again from its start is read ahead on the second pass too:
     * the reader left at the end must not take every READ of the new pass for a late one behind it
     * (each was then fetched alone, 1 MiB per round trip).
     */
    @Test
    void aSecondPassOverAFileIsReadAheadAgain() throws Exception {
        try (TestServer server = new TestServer(tmp, 10_000);
             CrfsClient w = server.client("writer");
             CrfsClient a = CrfsClient.connect("127.0.0.1", server.port(), "reader", Caller.ROOT,
                 CrfsClient.Options.defaults().withKernelPageCache(true))) {
            byte[] big = randomBytes(24 << 20, 6);
            Attr f = written(w.posix(), "twice", big);
            byte[] got = new byte[1 << 20];
            long[] trips = new long[2];
            for (int pass = 0; pass < 2; pass++) {
                long before = a.roundTrips();
                for (int mib = 0; mib < 24; mib++) {
                    assertThat(a.posix().read(f.ino(), (long) mib << 20, got, 0, got.length)).isEqualTo(got.length);
                    assertThat(got).as("pass %d MiB %d", pass, mib).isEqualTo(java.util.Arrays.copyOfRange(big, mib << 20, (mib + 1) << 20));
                }
                trips[pass] = a.roundTrips() - before;
            }
            assertThat(trips[1]).as("requests of the second pass (the first took %d)", trips[0]).isLessThan(12);
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** A new file in the root holding {@code data}, synced to the server. */
    private static Attr written(PosixFs fs, String name, byte[] data) {
        Attr f = fs.create(Caller.ROOT, PosixFs.ROOT, b(name), 0644, true);
        fs.write(Caller.ROOT, f.ino(), 0, data, 0, data.length);
        fs.sync();
        return f;
    }
}
