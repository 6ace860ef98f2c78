package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crfs.server.Crfsd;
import io.crfs.volume.MkfsOptions;
import io.crfs.volume.Oracles;
import io.crfs.volume.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * crfs through the kernel: a local mount used by the JDK's file API and the shell, and two
 * network mounts of one server seeing each other's changes on the very next system call.
 * Needs root and /dev/fuse; every mount is undone in finally.
 */
class FuseMountTest {
    @TempDir
    Path tmp;

    static boolean canMount() {
        return Oracles.isRoot() && Files.exists(Path.of("/dev/fuse"));
    }

    /** crfsd on a fresh image, and two network mounts of it (two clients) at tmp/a and tmp/b. */
    private record TwoMounts(Path img, Path a, Path b, Crfsd server, Mounts.Mounted ma, Mounts.Mounted mb)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            Crfsd s = server;
            Mounts.Mounted x = ma, y = mb;
            try (s; x; y) {
                // closed in reverse order: mount B, mount A, then the server
            }
        }
    }

    private TwoMounts twoMounts(String image) throws Exception {
        Path img = freshImage(image);
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Crfsd d = Crfsd.start(img, "127.0.0.1", 0, Crfsd.Options.defaults());
        Mounts.Mounted ma = null;
        try {
            ma = Mounts.network("127.0.0.1", d.port(), a);
            return new TwoMounts(img, a, b, d, ma, Mounts.network("127.0.0.1", d.port(), b));
        } catch (Exception e) {
            try (d; Mounts.Mounted x = ma) { // whatever started goes again
                throw e;
            }
        }
    }

    /** Skips unless mounts work here; then a new 256 MiB volume in the test's directory. */
    private Path freshImage(String name) throws Exception {
        assumeTrue(canMount(), "needs root and /dev/fuse");
        Path img = tmp.resolve(name);
        Volume.mkfs(img, 256L << 20, MkfsOptions.defaults());
        return img;
    }

    /**
     * Near full, a write that does not fit fails itself with ENOSPC. Writes acknowledged
     * before the server could refuse them (write-back, after the space-short window) are lost,
     * and fsync says so once to each file description open at the time. An rm followed at once
     * by writes frees the space they need.
     */
    @Test
    void aFullVolumeFailsTheWriteAndFsyncReportsWritesItLost() throws Exception {
        Path img = freshImage("full.img");
        Path mnt = Files.createDirectories(tmp.resolve("full"));
        try (Mounts.Mounted m = Mounts.local(img, mnt)) {
            try (var ch = java.nio.channels.FileChannel.open(mnt.resolve("big"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                String failure = writeUntilFull(ch, 1 << 20, 400); // bounded: twice what fits
                assertThat(failure).as("a write past the volume's space").isNotNull().contains("No space left");
                // each write is now sent at once: fill up to the last few KiB
                writeUntilFull(ch, 64 << 10, 2000);
                try {
                    ch.force(true);
                } catch (java.io.IOException e) { // writes acknowledged before the server said it was short
                    assertThat(e.getMessage()).contains("No space left");
                }
            }
            Thread.sleep(5_500); // Outbox.SPACE_SHORT_NANOS without a batch: writes are write-back again
            Path late = mnt.resolve("late");
            try (var w = java.nio.channels.FileChannel.open(late, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 var r = java.nio.channels.FileChannel.open(late, StandardOpenOption.READ)) {
                w.write(java.nio.ByteBuffer.allocate(2 << 20)); // acknowledged, then refused by the server
                assertThatThrownBy(() -> w.force(true)).hasMessageContaining("No space left");
                w.force(true); // once per file description open when the writes were lost
                assertThatThrownBy(() -> r.force(true)).hasMessageContaining("No space left");
                r.force(true);
                try (var after = java.nio.channels.FileChannel.open(late, StandardOpenOption.READ)) {
                    after.force(true); // opened after the loss: not told of it
                }
                assertThatThrownBy(() -> w.write(java.nio.ByteBuffer.allocate(64 << 10)))
                        .as("short of space again: the write is sent at once and fails itself")
                        .hasMessageContaining("No space left");
            }
            // removing the files and writing again at once: the rm goes in its own batch before the
            // writes, so the space it frees serves them (and the rm cannot be lost with them)
            Files.delete(mnt.resolve("big"));
            Files.delete(late);
            Files.write(mnt.resolve("again"), new byte[100 << 20]);
            try (var again = java.nio.channels.FileChannel.open(mnt.resolve("again"), StandardOpenOption.WRITE)) {
                again.force(true);
            }
        }
        if (Oracles.isRoot() && Oracles.haveBtrfsTools()) {
            try (Oracles.RoMount k = new Oracles.RoMount(img)) {
                assertThat(Files.exists(k.dir.resolve("big"))).as("the rm reached the volume").isFalse();
                assertThat(Files.size(k.dir.resolve("again"))).isEqualTo(100 << 20);
            }
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
    }

    /** Writes blocks of {@code size} until one fails (at most {@code max}); the failure's message, or null. */
    private static String writeUntilFull(java.nio.channels.FileChannel ch, int size, int max) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size);
        for (int i = 0; i < max; i++) {
            try {
                ch.write(b.clear());
            } catch (java.io.IOException e) {
                return String.valueOf(e.getMessage());
            }
        }
        return null;
    }

    @Test
    void aVolumeWithFullMetadataRefusesNewNamesButRmStillWorksAndItStaysWritable() throws Exception {
        assumeTrue(canMount(), "needs root and /dev/fuse");
        Path img = tmp.resolve("meta.img");
        Volume.mkfs(img, 160L << 20, MkfsOptions.defaults());
        Path mnt = Files.createDirectories(tmp.resolve("meta"));
        try (Mounts.Mounted m = Mounts.local(img, mnt)) {
            try (var ch = java.nio.channels.FileChannel.open(mnt.resolve("data"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer mib = java.nio.ByteBuffer.allocate(1 << 20);
                for (int i = 0; i < 320; i++) { // bounded: twice what fits
                    ch.write(mib.clear());
                }
            } catch (java.io.IOException e) {
                assertThat(e.getMessage()).contains("No space left");
            }
            Files.delete(mnt.resolve("data")); // its data chunks stay: no new metadata chunk fits
            String refused = null;
            int made = 0;
            long deadline = System.nanoTime() + 120_000_000_000L;
            for (; made < 300_000 && refused == null && System.nanoTime() < deadline; made++) {
                try {
                    Files.createDirectories(mnt.resolve("d/" + made % 20 + "/" + made));
                } catch (java.io.IOException e) {
                    refused = e.toString();
                }
            }
            assertThat(refused).as("a name past the metadata space (after %d)", made).contains("No space left");
            try (var walk = Files.walk(mnt.resolve("d"))) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            Files.write(mnt.resolve("after"), "still writable\n".getBytes(StandardCharsets.UTF_8));
            try (var after = java.nio.channels.FileChannel.open(mnt.resolve("after"), StandardOpenOption.WRITE)) {
                after.force(true);
            }
            try (var list = Files.list(mnt)) {
                assertThat(list.map(p -> p.getFileName().toString()).toList()).containsExactly("after");
            }
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
        if (Oracles.isRoot() && Oracles.haveBtrfsTools()) {
            try (Oracles.RoMount k = new Oracles.RoMount(img); var list = Files.list(k.dir)) {
                assertThat(list.map(p -> p.getFileName().toString()).toList()).containsExactly("after");
                assertThat(Files.readString(k.dir.resolve("after"))).isEqualTo("still writable\n");
            }
        }
    }

    @Test
    void localMountWorksForEveryProgram() throws Exception {
        Path img = freshImage("l.img");
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        try (Mounts.Mounted m = Mounts.local(img, mnt)) {
            Files.writeString(mnt.resolve("x"), "hi\n");
            assertThat(Files.readString(mnt.resolve("x"))).isEqualTo("hi\n");
            Files.createDirectories(mnt.resolve("d/e"));
            Files.write(mnt.resolve("d/e/big"), new byte[3 << 20]);
            Files.move(mnt.resolve("x"), mnt.resolve("d/y"));
            Oracles.Result sh = Oracles.run(List.of("sh", "-c", "cd " + mnt + " && echo more >> d/y && cat d/y && ls -l d/e"
                    + " && ln -s d/y link && readlink link && setfattr -n user.k -v v d/y && getfattr -n user.k --only-values d/y"));
            assertThat(sh.code()).as(sh.out()).isZero();
            assertThat(sh.out()).contains("hi\nmore\n").contains("big").contains("d/y").endsWith("v");
            try (var s = Files.list(mnt)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("d", "link");
            }
        }
        assertThat(Files.readAllLines(Path.of("/proc/self/mounts")).stream().noneMatch(l -> l.contains(mnt.toString())))
                .as("unmounted").isTrue();
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
            try (Oracles.RoMount k = new Oracles.RoMount(img)) {
                assertThat(Files.readString(k.dir.resolve("d/y"))).isEqualTo("hi\nmore\n");
                assertThat(Files.size(k.dir.resolve("d/e/big"))).isEqualTo(3 << 20);
            }
        }
    }

    @Test
    void twoMountsOfOneServerSeeEachOtherAtOnce() throws Exception {
        TwoMounts mounts = twoMounts("n.img");
        Path img = mounts.img(), a = mounts.a(), b = mounts.b();
        try (mounts) {
            Files.writeString(a.resolve("f"), "one");
            assertThat(Files.readString(b.resolve("f"))).isEqualTo("one");
            Files.writeString(b.resolve("f"), "+two", StandardOpenOption.APPEND);
            assertThat(Files.readString(a.resolve("f"))).isEqualTo("one+two");
            try (var ch = java.nio.channels.FileChannel.open(a.resolve("f"), StandardOpenOption.WRITE)) {
                ch.truncate(3);
            }
            assertThat(Files.size(b.resolve("f"))).isEqualTo(3);
            assertThat(Files.readString(b.resolve("f"))).isEqualTo("one");
            Files.move(b.resolve("f"), b.resolve("g"));
            assertThat(Files.exists(a.resolve("f"))).isFalse();
            assertThat(Files.readString(a.resolve("g"), StandardCharsets.UTF_8)).isEqualTo("one");
            Files.setPosixFilePermissions(a.resolve("g"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(b.resolve("g"))))
                    .isEqualTo("rw-------");
            Files.delete(a.resolve("g"));
            assertThat(Files.exists(b.resolve("g"))).isFalse();
            // a shared writable mapping on one mount, seen by read() on the other after msync
            Path m = Files.write(a.resolve("mapped"), new byte[8192]);
            try (var ch = java.nio.channels.FileChannel.open(m, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                var map = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 8192);
                map.put(4096, (byte) 'M').put(4097, (byte) 'S');
                map.force(); // msync(MS_SYNC)
                byte[] seen = Files.readAllBytes(b.resolve("mapped"));
                assertThat(new String(seen, 4096, 2, StandardCharsets.US_ASCII)).isEqualTo("MS");
            }
            // an fcntl lock taken through one mount blocks the other, and its release lets it in
            Path lf = Files.writeString(a.resolve("locked"), "L");
            try (var ca = java.nio.channels.FileChannel.open(lf, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 var cb = java.nio.channels.FileChannel.open(b.resolve("locked"), StandardOpenOption.WRITE)) {
                var la = ca.lock();
                assertThat(cb.tryLock()).as("B's F_SETLK while A holds a write lock").isNull();
                var waiter = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return cb.lock(); // F_SETLKW: blocks until A lets go
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                Thread.sleep(300);
                assertThat(waiter).as("B still waiting").isNotDone();
                la.release();
                var lb = waiter.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(lb.isValid()).isTrue();
                assertThat(ca.tryLock(0, 1, true)).as("A's read lock while B holds a write lock").isNull();
                lb.release();
                assertThat(ca.tryLock(0, 1, true)).isNotNull();
            }
            // flock(2) through the shell: exclusive across mounts
            Oracles.Result fl = Oracles.run(List.of("sh", "-c", "flock -x " + a.resolve("locked") + " -c 'flock -n "
                    + b.resolve("locked") + " true; echo inner=$?'"));
            assertThat(fl.out()).as(fl.out()).contains("inner=1");
            // closing the last descriptor drops its flock (RELEASE arrives asynchronously: a few tries)
            Oracles.Result freed = Oracles.run(List.of("sh", "-c", "for i in $(seq 50); do flock -n " + b.resolve("locked")
                    + " true && { echo free; break; }; sleep 0.1; done"));
            assertThat(freed.out()).as(freed.out()).contains("free");
            // a lock wait must not hold up its CPU's other requests (one io_uring queue per CPU):
            // holder, waiter and the unlock all run on CPU 0
            String l = a.resolve("locked").toString();
            Oracles.Result same = Oracles.run(List.of("timeout", "30", "taskset", "-c", "0", "sh", "-c",
                    "exec 9>>" + l + "; flock -x 9; (flock -x " + l + " -c 'echo waiter=in') & sleep 0.5; ls "
                    + a + " >/dev/null; echo holder=out; flock -u 9; wait"));
            assertThat(same.out()).as(same.out()).contains("holder=out\nwaiter=in");
            // an xattr set through one mount is read through the other
            var va = Files.getFileAttributeView(a.resolve("mapped"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
            va.write("color", java.nio.ByteBuffer.wrap("blue".getBytes(StandardCharsets.US_ASCII)));
            var vb = Files.getFileAttributeView(b.resolve("mapped"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
            java.nio.ByteBuffer got = java.nio.ByteBuffer.allocate(vb.size("color"));
            vb.read("color", got);
            assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("blue");
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
    }

    /**
     * A client creates files from its unused inode numbers under one WRITE grant over all of them;
     * another client's read downgrades it to READ, and the next create gives that grant back to
     * take WRITE again. The objects made from those numbers leave the kernel's cache before the
     * server hears of it: without that, mount A kept showing the directory as it made it, while
     * mount B filled it (fsstress on both mounts found it).
     */
    @Test
    void whatAMountMadeLeavesItsKernelWhenItGivesTheGrantBack() throws Exception {
        TwoMounts mounts = twoMounts("gb.img");
        Path a = mounts.a(), b = mounts.b();
        try (mounts) {
            Files.createDirectories(a.resolve("d/e"));
            assertThat(Files.size(a.resolve("d/e"))).isZero(); // cached by A's kernel
            assertThat(Files.size(b.resolve("d/e"))).isZero(); // B reads it: A's grant is now READ
            Files.createFile(a.resolve("made-after")); // A takes WRITE on its numbers again
            Files.createDirectory(b.resolve("d/e/x"));
            assertThat(Files.size(a.resolve("d/e"))).isEqualTo(Files.size(b.resolve("d/e"))).isEqualTo(2);
            assertThat(Files.getLastModifiedTime(a.resolve("d/e"))).isEqualTo(Files.getLastModifiedTime(b.resolve("d/e")));
        }
    }

    /**
     * A file open on mount A outlives the removal of its last name through mount B, by unlink
     * or by a rename over it, as it would for two processes of one machine: A reads and writes
     * on, fstat says nlink 0, and the inode goes at A's close (before, A's next read(2) failed
     * with ENOENT and the data was gone).
     */
    @Test
    void aFileOpenOnOneMountOutlivesItsNameOnTheOther() throws Exception {
        TwoMounts mounts = twoMounts("ou.img");
        Path a = mounts.a(), b = mounts.b();
        try (mounts) {
            byte[] data = new byte[200_000];
            new java.util.Random(4).nextBytes(data);
            Files.write(a.resolve("f"), data);
            Files.write(a.resolve("g"), data);
            Files.write(a.resolve("g.new"), new byte[] {1, 2, 3});
            try (var f = java.nio.channels.FileChannel.open(a.resolve("f"), StandardOpenOption.READ, StandardOpenOption.WRITE);
                 var g = java.nio.channels.FileChannel.open(a.resolve("g"), StandardOpenOption.READ)) {
                Files.delete(b.resolve("f"));
                Files.move(b.resolve("g.new"), b.resolve("g"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                assertThat(Files.exists(a.resolve("f"))).isFalse();
                assertThat(Files.size(a.resolve("g"))).isEqualTo(3);
                java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate(data.length + 1);
                assertThat(g.read(all, 0)).isEqualTo(data.length);
                assertThat(java.util.Arrays.copyOf(all.array(), data.length)).isEqualTo(data);
                f.write(java.nio.ByteBuffer.wrap(new byte[] {9, 9, 9}), 10);
                data[10] = data[11] = data[12] = 9;
                all.clear();
                assertThat(f.read(all, 0)).isEqualTo(data.length);
                assertThat(java.util.Arrays.copyOf(all.array(), data.length)).isEqualTo(data);
                assertThat(Files.getAttribute(openAs(a.resolve("f")), "unix:nlink")).as("fstat's nlink").isEqualTo(0);
            }
        }
    }

    /**
     * An O_TMPFILE file made on mount A: mount B does not see it until A names it with
     * linkat(2); then B sees its data, and B's unlink leaves it to A's open descriptor. Nothing
     * is left on the volume once A closes it (python3 makes the calls Java has no API for).
     */
    @Test
    void aTmpfileOnOneMountShowsOnTheOtherOnceNamed() throws Exception {
        TwoMounts mounts = twoMounts("tf.img");
        Path a = mounts.a(), b = mounts.b();
        try (mounts) {
            String script = String.join("\n",
                    "import os, sys",
                    "a, b = sys.argv[1], sys.argv[2]",
                    "root = os.open('/', os.O_RDONLY)  # a dir fd makes os.link call linkat(AT_SYMLINK_FOLLOW)",
                    "fd = os.open(a, os.O_TMPFILE | os.O_RDWR, 0o644)",
                    "os.write(fd, b'made on A')",
                    "print('before', sorted(os.listdir(b)))",
                    "os.link('/proc/self/fd/%d' % fd, os.path.join(a, 'named'), src_dir_fd=root, follow_symlinks=True)",
                    "print('after', sorted(os.listdir(b)), open(os.path.join(b, 'named'), 'rb').read())",
                    "os.unlink(os.path.join(b, 'named'))",
                    "print('A', os.pread(fd, 100, 0), os.fstat(fd).st_nlink)",
                    "os.close(fd)",
                    "print('end', sorted(os.listdir(a)))");
            Process p = new ProcessBuilder("python3", "-c", script, a.toString(), b.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(out.split("\n")).as(out).containsExactly(
                    "before []", "after ['named'] b'made on A'", "A b'made on A' 0", "end []");
        }
        try (Volume v = Volume.open(mounts.img())) {
            io.crfs.format.Key o = io.crfs.format.Key.first(io.crfs.format.ObjectIds.ORPHAN);
            assertThat(v.fsTree().scan(o, io.crfs.format.Key.last(io.crfs.format.ObjectIds.ORPHAN), 10)).as("orphans").isEmpty();
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(mounts.img())).isEmpty();
        }
    }

    /** This process's /proc/self/fd link to the file that was at {@code path} (stat through it is fstat). */
    private static Path openAs(Path path) throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            String deleted = path + " (deleted)";
            return fds.filter(l -> {
                try {
                    return Files.readSymbolicLink(l).toString().equals(deleted);
                } catch (java.io.IOException e) {
                    return false; // a descriptor closed meanwhile
                }
            }).findFirst().orElseThrow(() -> new AssertionError("no open descriptor of " + deleted));
        }
    }

    /**
     * A revoke is answered only once the kernel dropped the file's pages too: dropping them
     * afterwards made the kernel throw away the fresh size it was fetching for the next read, which
     * then stopped at the old end of file (about one round in 25 before the fix).
     */
    @Test
    void aReadRightAfterAnAppendOnTheOtherMountSeesItEveryTime() throws Exception {
        TwoMounts mounts = twoMounts("ap.img");
        Path a = mounts.a(), b = mounts.b();
        try (mounts) {
            byte[] one = new byte[3 * 4096 + 17];
            java.util.Arrays.fill(one, (byte) '1');
            for (int round = 0; round < 150; round++) {
                Files.write(a.resolve("p"), one);
                assertThat(Files.readAllBytes(a.resolve("p"))).isEqualTo(one);
                try (var ch = java.nio.channels.FileChannel.open(a.resolve("p"), StandardOpenOption.READ)) {
                    ch.read(java.nio.ByteBuffer.allocate(one.length), 0);
                    Files.write(b.resolve("p"), new byte[] {'3'}, StandardOpenOption.APPEND);
                    java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate(one.length + 10);
                    assertThat(ch.read(all, 0)).as("bytes read in round %d", round).isEqualTo(one.length + 1);
                    assertThat(all.get(one.length)).as("the appended byte in round %d", round).isEqualTo((byte) '3');
                }
            }
        }
    }

    /**
     * The kernel caches names, misses, attributes and pages for long; each is first cached on
     * mount A, then changed through mount B, and A must see the change on its very next call.
     */
    /**
     * copy_file_range on one mount is a reflink made by crfsd: the other mount reads the copy at
     * once, a write to the copy leaves the source as it was (and the reverse), a copy of the
     * copy outlives it, and the kernel's btrfs finds the files sharing their extents.
     */
    @Test
    void aCopyWithinTheMountSharesTheExtentsAsBtrfsDoes() throws Exception {
        TwoMounts mounts = twoMounts("clone.img");
        Path img = mounts.img(), a = mounts.a(), b = mounts.b();
        byte[] data = new byte[8 << 20];
        new java.util.Random(12).nextBytes(data);
        byte[] f = data.clone(), g = data.clone();
        java.util.Arrays.fill(g, 1 << 20, (1 << 20) + 4096, (byte) 0);
        f[5 << 20] = 1;
        try (mounts) {
            Files.createDirectories(a.resolve("d"));
            Files.write(a.resolve("d/f"), data);
            assertThat(copyFileRange(a.resolve("d/f"), a.resolve("d/g"), data.length)).isEqualTo(data.length);
            assertThat(Files.readAllBytes(b.resolve("d/g"))).isEqualTo(data);
            try (var ch = java.nio.channels.FileChannel.open(b.resolve("d/g"), StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[4096]), 1 << 20);
            }
            try (var ch = java.nio.channels.FileChannel.open(a.resolve("d/f"), StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 5 << 20);
            }
            assertThat(Files.readAllBytes(a.resolve("d/g"))).isEqualTo(g);
            assertThat(Files.readAllBytes(b.resolve("d/f"))).isEqualTo(f);
            assertThat(copyFileRange(b.resolve("d/g"), b.resolve("d/e"), data.length)).isEqualTo(data.length);
            Files.delete(a.resolve("d/g"));
            assertThat(Files.readAllBytes(a.resolve("d/e"))).isEqualTo(g);
        }
        assertThat(Oracles.btrfsCheck(img)).isEmpty();
        Path k = Files.createDirectories(tmp.resolve("k"));
        assertThat(Oracles.run(List.of("mount", "-o", "loop,ro", img.toString(), k.toString())).code()).isZero();
        try {
            assertThat(Files.readAllBytes(k.resolve("d/f"))).isEqualTo(f);
            assertThat(Files.readAllBytes(k.resolve("d/e"))).isEqualTo(g);
            // "Total Exclusive Set-shared Filename": nearly all of the two files' 16 MiB is one 8 MiB shared
            String[] du = Oracles.run(List.of("btrfs", "filesystem", "du", "-s", "--raw", k.resolve("d").toString()))
                    .out().strip().lines().reduce((x, y) -> y).orElseThrow().trim().split("\\s+");
            assertThat(Long.parseLong(du[0])).as("total").isEqualTo(2L * data.length);
            assertThat(Long.parseLong(du[2])).as("set shared").isGreaterThan(7L << 20);
        } finally {
            Oracles.run(List.of("umount", k.toString()));
        }
    }

    /** copy_file_range(2) of {@code length} bytes from {@code from} to a new file, as programs loop on it (python3). */
    private static long copyFileRange(Path from, Path to, long length) throws Exception {
        return Long.parseLong(sh("python3 -c \"import os\n"
                + "fi = os.open('" + from + "', os.O_RDONLY); fo = os.open('" + to + "', os.O_WRONLY | os.O_CREAT, 0o644)\n"
                + "n = 0\n"
                + "while n < " + length + ":\n"
                + "    r = os.copy_file_range(fi, fo, " + length + " - n, n, n)\n"
                + "    if r == 0: break\n"
                + "    n += r\n"
                + "print(n)\"").trim());
    }

    /**
     * An ACL set through one mount governs the other on its next call, though that kernel had
     * already looked (and found none): B's cached ACL goes with the grant. A default ACL set on
     * A shapes the files B makes, and B's removal of an ACL opens the file to A's users again.
     */
    @Test
    void anAclSetOnOneMountGovernsTheOtherAtOnce() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")), "needs runuser");
        TwoMounts mounts = twoMounts("acl.img");
        Path img = mounts.img(), a = mounts.a(), b = mounts.b();
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (mounts) {
            for (Path m : List.of(a, b)) {
                Files.setPosixFilePermissions(m, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            String out = sh("umask 022; mkdir " + a + "/d; echo hello > " + a + "/d/f\n"
                    + "nob() { runuser -u nobody -- \"$@\" 2>&1 | sed 's|^.*: ||'; }\n"
                    + "nob cat " + b + "/d/f\n"
                    + "setfacl -m u:nobody:--- " + a + "/d/f; nob cat " + b + "/d/f\n"
                    + "setfacl -d -m u:nobody:rwx " + a + "/d; touch " + b + "/d/new; stat -c %A " + b + "/d/new\n"
                    + "nob sh -c 'echo by-nobody > " + b + "/d/new'; cat " + a + "/d/new\n"
                    + "setfacl -b " + b + "/d/f; nob cat " + a + "/d/f\n");
            assertThat(out.split("\n")).containsExactly("hello", "Permission denied", "-rw-rw-r--", "by-nobody", "hello");
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
    }

    private static String sh(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void whatTheKernelCachedIsDroppedWhenAnotherMountChangesIt() throws Exception {
        TwoMounts mounts = twoMounts("k.img");
        Path img = mounts.img(), a = mounts.a(), b = mounts.b();
        try (mounts) {
            Files.createDirectories(a.resolve("d"));
            // a miss: "no such name" cached on A, then the name is created on B
            assertThat(Files.exists(a.resolve("d/x"))).isFalse();
            assertThat(Files.exists(a.resolve("d/x"))).isFalse();
            Files.writeString(b.resolve("d/x"), "made on b");
            assertThat(Files.readString(a.resolve("d/x"))).isEqualTo("made on b");
            // a name: looked up on A, renamed on B, then the old name reused for a directory
            assertThat(Files.isRegularFile(a.resolve("d/x"))).isTrue();
            Files.move(b.resolve("d/x"), b.resolve("d/y"));
            assertThat(Files.exists(a.resolve("d/x"))).isFalse();
            assertThat(Files.readString(a.resolve("d/y"))).isEqualTo("made on b");
            Files.createDirectory(b.resolve("d/x"));
            assertThat(Files.isDirectory(a.resolve("d/x"))).isTrue();
            // pages: read on A (kept between opens), overwritten in place on B with as many bytes
            Path p = a.resolve("d/p");
            byte[] one = new byte[3 * 4096 + 17];
            java.util.Arrays.fill(one, (byte) '1');
            Files.write(p, one);
            assertThat(Files.readAllBytes(p)).isEqualTo(one);
            assertThat(Files.readAllBytes(p)).isEqualTo(one);
            byte[] two = one.clone();
            java.util.Arrays.fill(two, 4000, 4200, (byte) '2');
            try (var ch = java.nio.channels.FileChannel.open(b.resolve("d/p"), StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(two, 4000, 200), 4000);
            }
            assertThat(Files.readAllBytes(p)).isEqualTo(two);
            try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.READ)) { // an open file too
                ch.read(java.nio.ByteBuffer.allocate(one.length), 0);
                Files.write(b.resolve("d/p"), new byte[] {'3'}, StandardOpenOption.APPEND);
                java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate(one.length + 10);
                assertThat(ch.read(all, 0)).isEqualTo(one.length + 1);
                assertThat(all.get(one.length)).isEqualTo((byte) '3');
            }
            // attributes: stat cached on A, then mode, owner, times and size changed on B
            assertThat(Files.size(a.resolve("d/p"))).isEqualTo(one.length + 1);
            Files.setPosixFilePermissions(b.resolve("d/p"), java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
            Files.setLastModifiedTime(b.resolve("d/p"), java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(a.resolve("d/p"))))
                    .isEqualTo("r--r-----");
            assertThat(Files.getLastModifiedTime(a.resolve("d/p")).toMillis()).isEqualTo(1_000_000_000_000L);
            // appends with O_APPEND from both mounts at once: none overwrites another
            Path log = Files.writeString(a.resolve("log"), "");
            var writers = new java.util.ArrayList<java.util.concurrent.CompletableFuture<Void>>();
            for (Path dir : List.of(a, b)) {
                String tag = dir == a ? "A" : "B";
                writers.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try (var out = Files.newOutputStream(dir.resolve("log"), StandardOpenOption.APPEND)) {
                        for (int i = 0; i < 200; i++) {
                            out.write(String.format("%s%04d\n", tag, i).getBytes(StandardCharsets.US_ASCII));
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (var w : writers) {
                w.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).hasSize(400);
            assertThat(lines.stream().filter(l -> l.startsWith("A")).toList())
                    .isEqualTo(java.util.stream.IntStream.range(0, 200).mapToObj(i -> String.format("A%04d", i)).toList());
            assertThat(lines.stream().filter(l -> l.startsWith("B")).toList())
                    .isEqualTo(java.util.stream.IntStream.range(0, 200).mapToObj(i -> String.format("B%04d", i)).toList());
            assertThat(Files.readAllLines(b.resolve("log"))).isEqualTo(lines);
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(img)).isEmpty();
        }
    }
}
