package io.crfs.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.crfs.format.Hashes;
import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What only an in-memory store can set up: full disks, failing stores, corrupt items, link limits. */
class PosixFsMemoryTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Errno errno(Runnable r) {
        Throwable t = catchThrowable(r::run);
        assertThat(t).isInstanceOf(PosixException.class);
        return ((PosixException) t).errno();
    }

    private static PosixFs fresh(MemoryItemStore store) {
        PosixFs fs = new PosixFs(store);
        assertThat(fs.initRoot(0755, 0, 0)).isTrue();
        return fs;
    }

    @Test
    void writesTheStoreLostAreReportedOnceToEachFileOpenWhenTheyWereLost() {
        java.util.Map<Long, ItemStore.LostEdits> lost = new java.util.HashMap<>();
        MemoryItemStore store = new MemoryItemStore() {
            @Override
            public LostEdits lostEdits(long objectid) {
                return lost.get(objectid);
            }
        };
        PosixFs fs = fresh(store);
        long f = fs.create(Caller.ROOT, PosixFs.ROOT, b("f"), 0644, true).ino();
        long g = fs.create(Caller.ROOT, PosixFs.ROOT, b("g"), 0644, true).ino();
        PosixFs.ErrorMark f1 = fs.errorMark(f);
        PosixFs.ErrorMark f2 = fs.errorMark(f);
        PosixFs.ErrorMark g1 = fs.errorMark(g);
        lost.put(f, new ItemStore.LostEdits(1, new StoreException(StoreException.Kind.NO_SPACE, "write-back refused")));
        lost.put(g, new ItemStore.LostEdits(1, new StoreException(StoreException.Kind.IO, "session ended")));
        PosixFs.ErrorMark f3 = fs.errorMark(f); // opened after the loss: not told of it
        assertThat(errno(() -> fs.fsync(f, f1))).isEqualTo(Errno.ENOSPC);
        fs.fsync(f, f1); // once per open file
        assertThat(errno(() -> fs.checkWritten(f, f2))).isEqualTo(Errno.ENOSPC);
        fs.checkWritten(f, f2);
        fs.fsync(f, f3);
        assertThat(errno(() -> fs.checkWritten(g, g1))).isEqualTo(Errno.EIO);
        fs.checkWritten(g, g1);
        // a later failure reaches every open file again
        lost.put(f, new ItemStore.LostEdits(2, new StoreException(StoreException.Kind.IO, "session ended")));
        assertThat(errno(() -> fs.fsync(f, f1))).isEqualTo(Errno.EIO);
        assertThat(errno(() -> fs.fsync(f, f3))).isEqualTo(Errno.EIO);
        fs.fsync(f, f3);
    }

    @Test
    void noSpace_isENOSPC() {
        MemoryItemStore store = new MemoryItemStore(64 * 1024);
        PosixFs fs = fresh(store);
        long ino = fs.create(Caller.ROOT, PosixFs.ROOT, b("f"), 0644, true).ino();
        assertThat(errno(() -> fs.write(Caller.ROOT, ino, 0, new byte[1 << 20], 0, 1 << 20))).isEqualTo(Errno.ENOSPC);
        assertThat(fs.statfs().blocks()).isEqualTo(16);
    }

    @Test
    void storeFailures_mapToErrnos() {
        MemoryItemStore base = new MemoryItemStore();
        PosixFs ok = fresh(base);
        ok.create(Caller.ROOT, PosixFs.ROOT, b("f"), 0644, true);
        for (StoreException.Kind kind : StoreException.Kind.values()) {
            MemoryItemStore failing = new MemoryItemStore() {
                @Override
                public void put(Key key, byte[] value) {
                    throw new StoreException(kind, "injected");
                }
            };
            PosixFs fs = new PosixFs(failing);
            Errno e = errno(() -> fs.initRoot(0755, 0, 0));
            Errno want = switch (kind) {
                case NO_SPACE -> Errno.ENOSPC;
                case TOO_BIG -> Errno.EFBIG;
                case READ_ONLY -> Errno.EROFS;
                case CORRUPT, IO -> Errno.EIO;
                case STALE -> Errno.ESTALE;
            };
            assertThat(e).as(kind.name()).isEqualTo(want);
        }
    }

    @Test
    void malformedItems_areEIO() {
        MemoryItemStore store = new MemoryItemStore();
        PosixFs fs = fresh(store);
        store.put(new Key(PosixFs.ROOT, ItemType.DIR_ITEM, Hashes.nameHash(b("bad"))), new byte[] {1, 2, 3});
        assertThat(errno(() -> fs.lookup(Caller.ROOT, PosixFs.ROOT, b("bad")))).isEqualTo(Errno.EIO);
        store.put(new Key(999, ItemType.INODE_ITEM, 0), new byte[10]);
        assertThat(errno(() -> fs.getattr(999))).isEqualTo(Errno.EIO);
    }

    @Test
    void linkLimit_isEMLINK() {
        MemoryItemStore store = new MemoryItemStore();
        PosixFs fs = fresh(store);
        long ino = fs.create(Caller.ROOT, PosixFs.ROOT, b("f"), 0644, true).ino();
        Key k = new Key(ino, ItemType.INODE_ITEM, 0);
        store.put(k, new InodeItem(store.get(k)).nlink(65534).bytes());
        fs.link(Caller.ROOT, ino, PosixFs.ROOT, b("g"));
        assertThat(fs.getattr(ino).nlink()).isEqualTo(65535);
        assertThat(errno(() -> fs.link(Caller.ROOT, ino, PosixFs.ROOT, b("h")))).isEqualTo(Errno.EMLINK);
    }

    @Test
    void concurrentOperations_areSerialised() throws Exception {
        MemoryItemStore store = new MemoryItemStore();
        PosixFs fs = fresh(store);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        long ino = fs.create(Caller.ROOT, PosixFs.ROOT, b("t" + id + "-" + i), 0644, true).ino();
                        fs.write(Caller.ROOT, ino, 0, b("x" + i), 0, 2);
                        if (i % 3 == 0) {
                            fs.unlink(Caller.ROOT, PosixFs.ROOT, b("t" + id + "-" + i));
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<DirEntryInfo> all = new ArrayList<>();
        long cookie = 0;
        for (List<DirEntryInfo> part; !(part = fs.readdir(Caller.ROOT, PosixFs.ROOT, cookie, 100)).isEmpty(); ) {
            all.addAll(part);
            cookie = part.get(part.size() - 1).cookie();
        }
        assertThat(all).hasSize(2 + 4 * 133);
        assertThat(fs.getattr(PosixFs.ROOT).size()).isEqualTo(all.subList(2, all.size()).stream()
                .mapToLong(e -> 2L * e.name().length).sum());
    }

    @Test
    void memoryStore_keepsKernelShapedExtents() {
        MemoryItemStore store = new MemoryItemStore();
        PosixFs fs = fresh(store);
        long ino = fs.create(Caller.ROOT, PosixFs.ROOT, b("f"), 0644, true).ino();
        fs.write(Caller.ROOT, ino, 0, b("hello world\n"), 0, 12);
        List<Item> ext = store.scan(new Key(ino, ItemType.EXTENT_DATA, 0), new Key(ino, ItemType.EXTENT_DATA, -1L), 10);
        assertThat(ext).hasSize(1);
        assertThat(ext.get(0).value()).hasSize(21 + 12);
        fs.write(Caller.ROOT, ino, 0, new byte[102523], 0, 102523);
        ext = store.scan(new Key(ino, ItemType.EXTENT_DATA, 0), new Key(ino, ItemType.EXTENT_DATA, -1L), 10);
        assertThat(ext).hasSize(1);
        io.crfs.format.FileExtent fe = io.crfs.format.FileExtent.decode(ext.get(0).value());
        assertThat(fe.numBytes()).isEqualTo(106496);
        assertThat(fs.getattr(ino).size()).isEqualTo(102523);
        assertThat(new InodeItem(store.get(new Key(ino, ItemType.INODE_ITEM, 0))).nbytes()).isEqualTo(106496);
        fs.setattr(Caller.ROOT, ino, SetAttr.size(5000));
        assertThat(new InodeItem(store.get(new Key(ino, ItemType.INODE_ITEM, 0))).nbytes()).isEqualTo(8192);
    }
}
