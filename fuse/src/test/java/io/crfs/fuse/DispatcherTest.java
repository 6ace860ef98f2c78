package io.crfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dispatcher on bytes, without a mount. */
class DispatcherTest {
    private final MemoryFs fs = new MemoryFs();
    private final Dispatcher d = new Dispatcher(fs, FuseMount.Options.defaults());
    private long unique = 100;

    static byte[] request(int opcode, long unique, long nodeId, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(40 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(40 + body.length).putInt(opcode).putLong(unique).putLong(nodeId)
            .putInt(1000).putInt(100).putInt(4242).putShort((short) 0).putShort((short) 0).put(body);
        return b.array();
    }

    static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] name(String... names) {
        var out = new java.io.ByteArrayOutputStream();
        for (String n : names) {
            out.writeBytes(n.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    private ByteBuffer call(int opcode, long nodeId, byte[] body) {
        long u = ++unique;
        byte[] reply = d.handle(request(opcode, u, nodeId, body));
        ByteBuffer r = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(reply.length).isGreaterThanOrEqualTo(16);
        assertThat(r.getInt(0)).isEqualTo(reply.length);
        assertThat(r.getLong(8)).isEqualTo(u);
        return r;
    }

    private static int error(ByteBuffer r) {
        return r.getInt(4);
    }

    private ByteBuffer ok(int opcode, long nodeId, byte[] body) {
        ByteBuffer r = call(opcode, nodeId, body);
        assertThat(error(r)).as("errno of " + OpTable.name(opcode)).isZero();
        return r.position(16);
    }

    private byte[] init(int major, int minor, int flags) {
        ByteBuffer b = body(64).putInt(major).putInt(minor).putInt(128 * 1024).putInt(flags).putInt(0);
        return b.array();
    }

    @Test
    void shouldNegotiateInit() {
        int all = 0x7fffffff; // a kernel offering everything
        ByteBuffer r = ok(Wire.INIT, 0, init(7, 45, all));
        assertThat(r.limit()).isEqualTo(16 + 64);
        assertThat(r.getInt()).isEqualTo(7);
        assertThat(r.getInt()).isEqualTo(38);
        assertThat(r.getInt()).isEqualTo(128 * 1024); // max_readahead: min(kernel, ours)
        int flags = r.getInt();
        assertThat(flags & (Wire.ASYNC_READ | Wire.BIG_WRITES | Wire.ATOMIC_O_TRUNC | Wire.DO_READDIRPLUS
            | Wire.READDIRPLUS_AUTO | Wire.PARALLEL_DIROPS | Wire.POSIX_LOCKS | Wire.FLOCK_LOCKS | Wire.MAX_PAGES))
            .isEqualTo(Wire.ASYNC_READ | Wire.BIG_WRITES | Wire.ATOMIC_O_TRUNC | Wire.DO_READDIRPLUS
                | Wire.READDIRPLUS_AUTO | Wire.PARALLEL_DIROPS | Wire.POSIX_LOCKS | Wire.FLOCK_LOCKS | Wire.MAX_PAGES);
        assertThat(flags & (Wire.EXPORT_SUPPORT | Wire.WRITEBACK_CACHE | Wire.AUTO_INVAL_DATA)).isZero();
        r.getShort();
        r.getShort();
        assertThat(r.getInt()).isEqualTo(1 << 20); // max_write
        assertThat(r.getInt()).isEqualTo(1); // time_gran
        assertThat(r.getShort()).isEqualTo((short) 256); // max_pages
        assertThat(d.minor()).isEqualTo(38);
    }

    @Test
    void shouldAgreeOnAnOlderKernelsMinorAndOnlyItsFlags() {
        ByteBuffer r = ok(Wire.INIT, 0, init(7, 26, Wire.ASYNC_READ | Wire.BIG_WRITES));
        assertThat(r.getInt(16 + 4)).isEqualTo(26);
        assertThat(r.getInt(16 + 12)).isEqualTo(Wire.ASYNC_READ | Wire.BIG_WRITES);
        assertThat(r.getInt(16 + 20)).isEqualTo(32 * 4096); // no MAX_PAGES: the kernel's 32 pages
    }

    @Test
    void shouldAgreeOnIoUringOnlyWhenTheKernelAndTheTransportBothOfferIt() {
        int flags = Wire.ASYNC_READ | Wire.INIT_EXT;
        byte[] kernelOffers = body(64).putInt(7).putInt(45).putInt(128 * 1024).putInt(flags)
            .putInt(Wire.OVER_IO_URING2).array();
        ByteBuffer r = ok(Wire.INIT, 0, kernelOffers); // the transport did not offer it
        assertThat(r.getInt(16 + 12) & Wire.INIT_EXT).isZero();
        assertThat(r.getInt(16 + 32)).as("flags2").isZero();
        assertThat(d.uring()).isFalse();

        var offered = new Dispatcher(fs, FuseMount.Options.defaults());
        offered.offerUring();
        ByteBuffer yes = ByteBuffer.wrap(offered.handle(request(Wire.INIT, 1, 0, kernelOffers))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(yes.getInt(4)).isZero();
        assertThat(yes.getInt(16 + 12) & Wire.INIT_EXT).isEqualTo(Wire.INIT_EXT);
        assertThat(yes.getInt(16 + 32)).as("flags2").isEqualTo(Wire.OVER_IO_URING2);
        assertThat(offered.uring()).isTrue();

        var kernelSaysNo = new Dispatcher(fs, FuseMount.Options.defaults());
        kernelSaysNo.offerUring();
        byte[] noRing = body(64).putInt(7).putInt(45).putInt(128 * 1024).putInt(flags).putInt(0).array();
        ByteBuffer no = ByteBuffer.wrap(kernelSaysNo.handle(request(Wire.INIT, 1, 0, noRing))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(no.getInt(16 + 32)).isZero();
        assertThat(kernelSaysNo.uring()).isFalse();
    }

    @Test
    void shouldRejectATooOldKernel() {
        assertThat(error(call(Wire.INIT, 0, init(7, 8, 0)))).isEqualTo(-Errno.EPROTO);
    }

    @Test
    void shouldEncodeTheOutHeaderAsGoldenBytes() {
        byte[] reply = d.handle(request(Wire.GETATTR, 0x0102030405060708L, 999, new byte[16]));
        assertThat(reply).containsExactly(16, 0, 0, 0, -2, -1, -1, -1, 8, 7, 6, 5, 4, 3, 2, 1); // len 16, -ENOENT
    }

    @Test
    void shouldLookUpAndGetAttributes() {
        MemoryFs.Node f = fs.add(1, "hello", Attr.S_IFREG | 0644);
        fs.setContent(f.ino, "hi!".getBytes());
        ByteBuffer r = ok(Wire.LOOKUP, 1, name("hello"));
        assertThat(r.limit()).isEqualTo(16 + Wire.ENTRY_OUT_SIZE);
        assertThat(r.getLong()).isEqualTo(f.ino);
        r.getLong();
        assertThat(r.getLong()).isEqualTo(1); // entry_valid seconds
        assertThat(r.getLong()).isEqualTo(1);
        r.getInt();
        r.getInt();
        Attr a = Wire.getAttr(r);
        assertThat(a.ino()).isEqualTo(f.ino);
        assertThat(a.size()).isEqualTo(3);
        assertThat(a.mode()).isEqualTo(Attr.S_IFREG | 0644);

        r = ok(Wire.GETATTR, f.ino, new byte[16]);
        assertThat(r.limit()).isEqualTo(16 + Wire.ATTR_OUT_SIZE);
        r.position(32);
        assertThat(Wire.getAttr(r)).isEqualTo(a);
        assertThat(error(call(Wire.LOOKUP, 1, name("nope")))).isEqualTo(-Errno.ENOENT);
    }

    @Test
    void shouldWriteAndReadBack() {
        MemoryFs.Node f = fs.add(1, "data", Attr.S_IFREG | 0644);
        byte[] payload = "0123456789".getBytes();
        ByteBuffer w = body(40 + payload.length).putLong(7).putLong(5).putInt(payload.length).putInt(0)
            .putLong(0).putInt(0).putInt(0).put(payload);
        ByteBuffer r = ok(Wire.WRITE, f.ino, w.array());
        assertThat(r.getInt()).isEqualTo(10);
        ByteBuffer rd = body(40).putLong(7).putLong(3).putInt(100);
        r = ok(Wire.READ, f.ino, rd.array());
        byte[] got = new byte[r.remaining()];
        r.get(got);
        assertThat(new String(got)).isEqualTo("\0\0" + "0123456789"); // a hole, then the data
    }

    private List<String> names(ByteBuffer r, boolean plus) {
        List<String> names = new ArrayList<>();
        while (r.hasRemaining()) {
            int start = r.position();
            if (plus) {
                r.position(start + Wire.ENTRY_OUT_SIZE);
            }
            r.getLong();
            r.getLong();
            int len = r.getInt();
            r.getInt();
            byte[] n = new byte[len];
            r.get(n);
            names.add(new String(n));
            int head = (plus ? Wire.ENTRY_OUT_SIZE : 0) + 24;
            r.position(start + ((head + len + 7) & ~7));
        }
        return names;
    }

    @Test
    void shouldListADirectoryWithReaddirAndReaddirplus() {
        fs.add(1, "a", Attr.S_IFREG | 0644);
        fs.add(1, "bb", Attr.S_IFDIR | 0755);
        ByteBuffer rd = body(40).putLong(1).putLong(0).putInt(4096);
        assertThat(names(ok(Wire.READDIR, 1, rd.array()), false)).containsExactly(".", "..", "a", "bb");
        assertThat(names(ok(Wire.READDIRPLUS, 1, rd.array()), true)).containsExactly(".", "..", "a", "bb");
        ByteBuffer from2 = body(40).putLong(1).putLong(2).putInt(4096);
        assertThat(names(ok(Wire.READDIR, 1, from2.array()), false)).containsExactly("a", "bb");
        ByteBuffer small = body(40).putLong(1).putLong(0).putInt(60); // room for one 32-byte dirent
        assertThat(names(ok(Wire.READDIR, 1, small.array()), false)).containsExactly(".");
    }

    @Test
    void shouldReplyEioWhenAnOperationThrows() {
        fs.add(1, MemoryFs.BOOM, Attr.S_IFREG | 0644);
        long ino = ok(Wire.LOOKUP, 1, name(MemoryFs.BOOM)).getLong();
        ByteBuffer rd = body(40).putLong(0).putLong(0).putInt(10);
        assertThat(error(call(Wire.READ, ino, rd.array()))).isEqualTo(-Errno.EIO);
        assertThat(error(call(Wire.GETATTR, ino, new byte[16]))).isZero(); // still serving
    }

    @Test
    void shouldReplyEnosysForUnknownOpcodesAndMissingOperations() {
        assertThat(error(call(99, 1, new byte[0]))).isEqualTo(-Errno.ENOSYS);
        assertThat(error(call(Wire.BMAP, 1, new byte[16]))).isEqualTo(-Errno.ENOSYS);
        assertThat(error(call(Wire.GETXATTR, 1, body(8 + 4).putInt(0).putInt(0).put(name("a.b")).array())))
            .isEqualTo(-Errno.ENOSYS);
    }

    @Test
    void shouldRejectTruncatedInputWithoutThrowing() {
        assertThat(d.handle(new byte[20])).isEmpty();
        byte[] bad = request(Wire.GETATTR, 5, 1, new byte[16]);
        bad[0] = 99; // header says 99 bytes
        assertThat(ByteBuffer.wrap(d.handle(bad)).order(ByteOrder.LITTLE_ENDIAN).getInt(4)).isEqualTo(-Errno.EINVAL);
        assertThat(error(call(Wire.GETATTR, 1, new byte[8]))).isEqualTo(-Errno.EINVAL);
        assertThat(error(call(Wire.LOOKUP, 1, "abc".getBytes()))).isEqualTo(-Errno.EINVAL); // no NUL
        assertThat(error(call(Wire.WRITE, 1, body(40).putLong(1).putLong(0).putInt(1000).array())))
            .isEqualTo(-Errno.EINVAL); // claims 1000 bytes of data
        assertThat(error(call(Wire.RENAME, 1, body(8 + 2).put(8, (byte) 'x').array())))
            .isEqualTo(-Errno.EINVAL); // second name missing
    }

    @Test
    void shouldSendNoReplyForForgets() {
        assertThat(d.handle(request(Wire.FORGET, 1, 5, body(8).putLong(3).array()))).isEmpty();
        assertThat(d.handle(request(Wire.BATCH_FORGET, 2, 0,
            body(8 + 32).putInt(2).putInt(0).putLong(5).putLong(1).putLong(6).putLong(2).array()))).isEmpty();
        assertThat(fs.forgets.get()).isEqualTo(6);
        // a batch claiming 1000 pairs but carrying none forgets nothing (and, as every forget, gets no reply)
        assertThat(d.handle(request(Wire.BATCH_FORGET, 4, 0, body(8).putInt(1000).array()))).isEmpty();
        assertThat(fs.forgets.get()).isEqualTo(6);
    }

    @Test
    void shouldProbeXattrSizesAndReplyErange() {
        var x = new FuseFileSystem() {
            @Override
            public byte[] getxattr(FuseContext ctx, long ino, String name) {
                return "value".getBytes();
            }

            @Override
            public List<String> listxattr(FuseContext ctx, long ino) {
                return List.of("user.a", "user.b");
            }
        };
        var dx = new Dispatcher(x, FuseMount.Options.defaults());
        ByteBuffer r = ByteBuffer.wrap(dx.handle(request(Wire.GETXATTR, 1, 1,
            body(8 + 7).putInt(0).putInt(0).put(name("user.a")).array()))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(r.getInt(16)).isEqualTo(5);
        r = ByteBuffer.wrap(dx.handle(request(Wire.GETXATTR, 2, 1,
            body(8 + 7).putInt(3).putInt(0).put(name("user.a")).array()))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(r.getInt(4)).isEqualTo(-Errno.ERANGE);
        byte[] list = dx.handle(request(Wire.LISTXATTR, 3, 1, body(8).putInt(100).array()));
        assertThat(new String(list, 16, list.length - 16)).isEqualTo("user.a\0user.b\0");
    }

    /** A tracked request shows how long it has been served; an untracked one does not. */
    @Test
    void shouldTellHowLongATrackedRequestHasBeenServed() throws Exception {
        var release = new java.util.concurrent.CountDownLatch(1);
        var slow = new FuseFileSystem() {
            @Override
            public AttrOut getattr(FuseContext ctx, long ino, long fh) {
                try {
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new AttrOut(new Attr(ino, Attr.S_IFDIR | 0755, 2, 0, 0, 0, 0, 0, 4096, FuseTime.ofNanos(0), FuseTime.ofNanos(0),
                    FuseTime.ofNanos(0)), 0);
            }
        };
        var dx = new Dispatcher(slow, FuseMount.Options.defaults());
        assertThat(dx.longestServingNanos()).isZero();
        byte[] req = request(Wire.GETATTR, 7, 1, body(16).array());
        var untracked = new Thread(() -> dx.handle(Wire.le(ByteBuffer.wrap(req.clone())), Wire.le(ByteBuffer.allocate(4096))));
        var tracked = new Thread(() -> dx.handleTracked(Wire.le(ByteBuffer.wrap(req.clone())), Wire.le(ByteBuffer.allocate(4096))));
        untracked.start();
        Thread.sleep(20);
        assertThat(dx.longestServingNanos()).as("an untracked request (a lock wait, say)").isZero();
        tracked.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (dx.longestServingNanos() < 10_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(dx.longestServingNanos()).isGreaterThanOrEqualTo(10_000_000L);
        release.countDown();
        tracked.join(5000);
        untracked.join(5000);
        assertThat(dx.longestServingNanos()).isZero();
    }

    /**
     * An operation that would wait may move its request off a thread others queue behind: only
     * where the caller said it may (a ring queue's thread), and then nothing is written; the
     * request is run again elsewhere, unmovable, and answered there. Moving where it may not is a
     * bug of the file system: EIO.
     */
    @Test
    void shouldMoveARequestOnlyWhereItMayMove() {
        var runs = new ArrayList<Boolean>();
        var moving = new FuseFileSystem() {
            @Override
            public AttrOut getattr(FuseContext ctx, long ino, long fh) {
                runs.add(ctx.movable());
                if (ctx.movable() || ino == 2) {
                    throw new MoveRequest();
                }
                return new AttrOut(new Attr(ino, Attr.S_IFREG | 0644, 1, 0, 0, 0, 5, 0, 4096, FuseTime.ofNanos(0),
                    FuseTime.ofNanos(0), FuseTime.ofNanos(0)), 0);
            }
        };
        var dx = new Dispatcher(moving, FuseMount.Options.defaults());
        byte[] req = request(Wire.GETATTR, 9, 1, body(16).array());
        ByteBuffer out = Wire.le(ByteBuffer.allocate(4096));
        assertThat(dx.handleTracked(Wire.le(ByteBuffer.wrap(req)), out, true)).isEqualTo(Dispatcher.MOVED);
        int n = dx.handleMoved(Wire.le(ByteBuffer.wrap(req)), out);
        assertThat(out.getInt(4)).as("errno of the moved request's answer").isZero();
        assertThat(out.getLong(8)).isEqualTo(9);
        assertThat(n).isEqualTo(out.getInt(0)).isGreaterThan(16);
        assertThat(runs).containsExactly(true, false);
        assertThat(dx.longestServingNanos()).isZero();

        byte[] cannot = request(Wire.GETATTR, 10, 2, body(16).array());
        assertThat(dx.handle(Wire.le(ByteBuffer.wrap(cannot)), out)).isEqualTo(16);
        assertThat(out.getInt(4)).isEqualTo(-Errno.EIO);
    }

    @Test
    void shouldEncodeNotificationsPerFuseH() {
        ByteBuffer m = FuseNotifier.invalInode(5, 0, -1).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(m.remaining()).isEqualTo(40);
        assertThat(m.getInt(0)).isEqualTo(40);
        assertThat(m.getInt(4)).isEqualTo(Wire.NOTIFY_INVAL_INODE);
        assertThat(m.getLong(8)).isZero();
        assertThat(m.getLong(16)).isEqualTo(5);
        assertThat(m.getLong(32)).isEqualTo(-1);
        m = FuseNotifier.invalEntry(1, "ab").order(ByteOrder.LITTLE_ENDIAN);
        assertThat(m.remaining()).isEqualTo(16 + 16 + 3);
        assertThat(m.getInt(4)).isEqualTo(Wire.NOTIFY_INVAL_ENTRY);
        assertThat(m.getInt(24)).isEqualTo(2);
        assertThat(m.get(32)).isEqualTo((byte) 'a');
        assertThat(m.get(34)).isZero();
        m = FuseNotifier.delete(1, 9, "ab").order(ByteOrder.LITTLE_ENDIAN);
        assertThat(m.remaining()).isEqualTo(16 + 24 + 3);
        assertThat(m.getInt(4)).isEqualTo(Wire.NOTIFY_DELETE);
        assertThat(m.getLong(24)).isEqualTo(9);
        List<ByteBuffer> sent = new ArrayList<>();
        var n = new FuseNotifier(b -> {
            sent.add(b);
            return sent.size() == 1 ? 0 : Errno.ENOENT;
        });
        assertThat(n.notifyInvalInode(2, 0, 0)).isTrue();
        assertThat(n.notifyInvalEntry(1, "x")).isFalse();
    }

    /**
     * A revoke over a range may tell the kernel about thousands of inodes: messages must not cost
     * a direct buffer (and its cleaner) each, which two mounts under fsstress piled up by the
     * million.
     */
    @Test
    void notificationsReuseTheirThreadsBuffer() {
        var direct = java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)
            .stream().filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        var n = new FuseNotifier(b -> 0);
        n.notifyInvalInode(1, -1, 0); // this thread's buffer
        long before = direct.getCount();
        for (int i = 0; i < 10_000; i++) {
            assertThat(n.notifyInvalInode(i, -1, 0)).isTrue();
            assertThat(n.notifyDelete(1, i, "n" + i)).isTrue();
        }
        assertThat(direct.getCount() - before).isLessThan(100);
    }

    @Test
    void shouldCreateRenameAndUnlink() {
        ByteBuffer c = body(16 + 2).putInt(0101).putInt(0644).putInt(022).putInt(0).put(name("f"));
        ByteBuffer r = ok(Wire.CREATE, 1, c.array());
        assertThat(r.limit()).isEqualTo(16 + Wire.ENTRY_OUT_SIZE + Wire.OPEN_OUT_SIZE);
        long ino = r.getLong();
        ByteBuffer rn = body(16 + 4).putLong(1).putInt(0).putInt(0).put(name("f", "g"));
        ok(Wire.RENAME2, 1, rn.array());
        assertThat(ok(Wire.LOOKUP, 1, name("g")).getLong()).isEqualTo(ino);
        ok(Wire.UNLINK, 1, name("g"));
        assertThat(error(call(Wire.LOOKUP, 1, name("g")))).isEqualTo(-Errno.ENOENT);
    }
}
