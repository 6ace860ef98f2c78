package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.format.Item;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import io.crfs.volume.Volume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file one client has open outlives the removal of its last name on another, as it does when
 * both are processes of one machine: reads and writes through the open file go on, and the
 * inode goes only at the last close anywhere. Before, the removing client deleted the inode
 * and its data at once, and the reader's next read(2) failed with ENOENT.
 */
class OpenElsewhereTest {
    @TempDir
    Path tmp;
    private TestServer server;
    private final List<CrfsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = new TestServer(tmp, 10_000);
    }

    /** Clients, then the server, then btrfs check of its image. */
    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.closeAndCheck(clients.toArray(AutoCloseable[]::new));
        }
    }

    private CrfsClient client(String name) throws IOException {
        CrfsClient c = server.client(name);
        clients.add(c);
        return c;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] filled(int n, int seed) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 31 + seed);
        }
        return d;
    }

    /** A file {@code name} in the root with {@code data}, open once on {@code fs}. */
    private static Attr openFile(PosixFs fs, String name, byte[] data) {
        Attr f = fs.create(Caller.ROOT, PosixFs.ROOT, b(name), 0644, true);
        fs.write(Caller.ROOT, f.ino(), 0, data, 0, data.length);
        fs.open(f.ino());
        return f;
    }

    private static byte[] read(PosixFs fs, long ino, int n) {
        byte[] got = new byte[n];
        assertThat(fs.read(ino, 0, got, 0, n)).isEqualTo(n);
        return got;
    }

    private static void assertGone(PosixFs fs, long ino) {
        assertThatThrownBy(() -> fs.getattr(ino)).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }

    /** The inodes the volume's orphan list names, as client {@code c} sees them. */
    static List<Long> orphans(CrfsClient c) {
        var s = c.store();
        return s.operation(() -> s.scan(Key.first(ObjectIds.ORPHAN), Key.last(ObjectIds.ORPHAN), 100))
                .stream().map(Item::key).map(Key::offset).toList();
    }

    @Test
    void anUnlinkElsewhereLeavesAnOpenFileReadableAndTheLastCloseDeletesIt() throws Exception {
        CrfsClient b = client("remover");
        PosixFs fa = client("holder").posix(), fb = b.posix();
        byte[] data = filled(300_000, 1);
        Attr f = openFile(fa, "f", data);
        fb.unlink(Caller.ROOT, PosixFs.ROOT, b("f"));
        assertThatThrownBy(() -> fb.lookup(Caller.ROOT, PosixFs.ROOT, b("f"))).isInstanceOf(PosixException.class);

        assertThat(read(fa, f.ino(), data.length)).isEqualTo(data);
        assertThat(fa.getattr(f.ino()).nlink()).isZero();
        byte[] more = filled(5000, 9);
        fa.write(Caller.ROOT, f.ino(), 1000, more, 0, more.length);
        System.arraycopy(more, 0, data, 1000, more.length);
        assertThat(read(fa, f.ino(), data.length)).isEqualTo(data);
        assertThat(orphans(b)).containsExactly(f.ino());

        fa.release(f.ino());
        assertGone(fb, f.ino());
        assertGone(fa, f.ino());
        assertThat(orphans(b)).isEmpty();
        assertThat(server.server.status()).contains("inodes clients said they had open 0");
    }

    @Test
    void aRenameOverAnOpenFileElsewhereKeepsItsOldContentReadable() throws Exception {
        PosixFs fa = client("reader").posix(), fb = client("replacer").posix();
        byte[] old = filled(70_000, 3);
        Attr g = openFile(fa, "g", old);
        Attr h = fb.create(Caller.ROOT, PosixFs.ROOT, b("g.new"), 0644, true);
        fb.rename(Caller.ROOT, PosixFs.ROOT, b("g.new"), PosixFs.ROOT, b("g"), 0);

        assertThat(fb.lookup(Caller.ROOT, PosixFs.ROOT, b("g")).ino()).isEqualTo(h.ino());
        assertThat(read(fa, g.ino(), old.length)).isEqualTo(old);
        fa.release(g.ino());
        assertGone(fb, g.ino());
    }

    @Test
    void theInodeGoesAtTheLastCloseOfAllTheClientsThatHaveItOpen() throws Exception {
        PosixFs fa = client("a").posix(), fc = client("c").posix(), fb = client("remover").posix();
        byte[] data = filled(40_000, 5);
        Attr f = openFile(fa, "f", data);
        fc.open(f.ino());
        fb.unlink(Caller.ROOT, PosixFs.ROOT, b("f"));

        fa.release(f.ino());
        assertThat(read(fc, f.ino(), data.length)).as("c still has it open").isEqualTo(data);
        fc.open(f.ino()); // a second file description on c: only the last of them counts
        fc.release(f.ino());
        assertThat(read(fc, f.ino(), data.length)).isEqualTo(data);
        fc.release(f.ino());
        assertGone(fb, f.ino());
        assertGone(fa, f.ino());
    }

    /**
     * What a client said it had open holds only until it next gives the range up: a file it has
     * closed since is deleted at once, not left an orphan for nobody.
     */
    @Test
    void aFileClosedBeforeTheUnlinkIsDeletedAtOnce() throws Exception {
        CrfsClient b = client("remover");
        PosixFs fa = client("was open").posix(), fb = b.posix();
        byte[] data = filled(20_000, 6);
        Attr f = openFile(fa, "f", data);
        assertThat(read(fb, f.ino(), data.length)).isEqualTo(data); // a gives WRITE up, saying f is open
        fa.release(f.ino());
        fb.unlink(Caller.ROOT, PosixFs.ROOT, b("f"));
        assertGone(fb, f.ino());
        assertThat(orphans(b)).isEmpty();
    }

    /**
     * The holder's session ends (here by unmount; a crash ends it by eviction the same way)
     * with the file still open and nobody else holding it: crfsd deletes the orphan itself,
     * under grants taken from the remover, instead of leaving it for its next start.
     */
    @Test
    void anOrphanWhoseHolderWentAwayIsDeletedWhenItsSessionEnds() throws Exception {
        CrfsClient a = server.client("holder"), b = client("remover");
        Attr f = openFile(a.posix(), "f", filled(50_000, 7));
        Attr keep = openFile(b.posix(), "kept", filled(10, 8)); // open elsewhere too: no orphan of a's to delete
        a.posix().open(keep.ino());
        b.posix().unlink(Caller.ROOT, PosixFs.ROOT, b("f"));
        assertThat(orphans(b)).containsExactly(f.ino());
        a.close(); // its session ends with the file still open
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (!orphans(b).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(orphans(b)).isEmpty();
        assertGone(b.posix(), f.ino());
        assertThat(read(b.posix(), keep.ino(), 10)).isEqualTo(filled(10, 8));
        b.posix().release(keep.ino());
        try (Volume v = openedAfter(server)) {
            assertThat(v.fsTree().get(new Key(f.ino(), ItemType.INODE_ITEM, 0))).isNull();
        }
    }

    /** The server's image as it is after every client and the server closed (the test then ends without them). */
    private Volume openedAfter(TestServer s) throws Exception {
        server = null;
        s.closeAndCheck(clients.toArray(AutoCloseable[]::new));
        return Volume.open(s.image);
    }
}
