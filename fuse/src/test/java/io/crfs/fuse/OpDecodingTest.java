package io.crfs.fuse;

import static io.crfs.fuse.DispatcherTest.body;
import static io.crfs.fuse.DispatcherTest.name;
import static io.crfs.fuse.DispatcherTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each operation's request body decodes into the right call, and its reply encodes as fuse.h says. */
class OpDecodingTest {
    private static final Attr ATTR = new Attr(9, Attr.S_IFREG | 0600, 1, 7, 8, 0, 5, 1, 4096, FuseTime.ofNanos(1_500_000_000L),
        FuseTime.ofNanos(2_000_000_001L), FuseTime.ofNanos(3L));
    private static final Entry ENTRY = new Entry(9, 3, ATTR, 2_500_000_000L, 0);

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final CountDownLatch lockTaken = new CountDownLatch(1);

    private final FuseFileSystem fs = new FuseFileSystem() {
        @Override
        public Entry mknod(FuseContext c, long p, String n, int mode, int rdev, int umask) {
            calls.add("mknod " + p + " " + n + " " + Integer.toOctalString(mode) + " " + rdev + " " + umask);
            return ENTRY;
        }

        @Override
        public Entry symlink(FuseContext c, long p, String n, String target) {
            calls.add("symlink " + p + " " + n + " -> " + target);
            return ENTRY;
        }

        @Override
        public Entry link(FuseContext c, long ino, long np, String nn) {
            calls.add("link " + ino + " " + np + " " + nn);
            return ENTRY;
        }

        @Override
        public String readlink(FuseContext c, long ino) {
            return "tgt";
        }

        @Override
        public void rename(FuseContext c, long p, String n, long np, String nn, int flags) {
            calls.add("rename " + p + " " + n + " " + np + " " + nn + " " + flags);
        }

        @Override
        public AttrOut setattr(FuseContext c, long ino, SetAttrIn in) {
            calls.add("setattr " + ino + " size=" + in.hasSize() + ":" + in.size() + " mode=" + in.hasMode() + ":"
                + Integer.toOctalString(in.mode()) + " mtime=" + in.mtime() + " now=" + in.mtimeNow());
            return new AttrOut(ATTR, 1);
        }

        @Override
        public void setxattr(FuseContext c, long ino, String n, byte[] v, int flags) {
            calls.add("setxattr " + n + "=" + new String(v) + " " + flags);
        }

        @Override
        public void removexattr(FuseContext c, long ino, String n) {
            calls.add("removexattr " + n);
        }

        @Override
        public void access(FuseContext c, long ino, int mask) {
            calls.add("access " + ino + " " + mask + " uid=" + c.uid() + " gid=" + c.gid() + " pid=" + c.pid());
        }

        @Override
        public StatFs statfs(FuseContext c, long ino) {
            return new StatFs(10, 9, 8, 7, 6, 4096, 255, 512);
        }

        @Override
        public FileLock getlk(FuseContext c, long ino, long fh, long owner, FileLock l) {
            calls.add("getlk " + fh + " " + owner + " " + l);
            return new FileLock(0, Long.MAX_VALUE, FileLock.F_WRLCK, 77);
        }

        @Override
        public void setlk(FuseContext c, long ino, long fh, long owner, FileLock l, boolean sleep, boolean flock) {
            calls.add("setlk " + fh + " " + owner + " " + l + " sleep=" + sleep + " flock=" + flock);
            if (sleep) {
                lockTaken.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!c.isInterrupted() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                if (c.isInterrupted()) {
                    throw new FuseException(Errno.EINTR);
                } // never interrupted: the lock is "taken" and the reply says so (the test then fails)
            }
        }

        @Override
        public void fallocate(FuseContext c, long ino, long fh, long off, long len, int mode) {
            calls.add("fallocate " + fh + " " + off + " " + len + " " + mode);
        }

        @Override
        public long lseek(FuseContext c, long ino, long fh, long off, int whence) {
            calls.add("lseek " + fh + " " + off + " " + whence);
            return 4096;
        }

        @Override
        public CreateOut tmpfile(FuseContext c, long parent, int mode, int umask, int flags) {
            calls.add("tmpfile " + parent + " " + Integer.toOctalString(mode) + " " + umask + " " + Integer.toOctalString(flags));
            return new CreateOut(ENTRY, new OpenOut(77, 0));
        }

        @Override
        public byte[] ioctl(FuseContext c, long ino, long fh, int cmd, byte[] in, int outSize) {
            calls.add("ioctl " + ino + " " + fh + " " + Integer.toHexString(cmd) + " in " + java.util.Arrays.toString(in) + " out " + outSize);
            if (cmd == 0x1234) {
                throw new FuseException(Errno.ENOTTY);
            }
            return new byte[] {7, 0, 0, 0};
        }

        @Override
        public long copyFileRange(FuseContext c, long i, long fi, long oi, long o, long fo, long oo, long len,
                                  long flags) {
            calls.add("copy " + i + "/" + fi + "@" + oi + " -> " + o + "/" + fo + "@" + oo + " " + len + " " + flags);
            return len;
        }

        @Override
        public void fsync(FuseContext c, long ino, long fh, boolean datasync) {
            calls.add("fsync " + fh + " " + datasync);
        }

        @Override
        public void release(FuseContext c, long ino, long fh, int flags, int rflags, long owner) {
            calls.add("release " + fh + " " + flags + " " + rflags + " " + owner);
        }
    };
    private final Dispatcher d = new Dispatcher(fs, FuseMount.Options.defaults());

    private ByteBuffer ok(int opcode, long node, ByteBuffer body) {
        ByteBuffer r = ByteBuffer.wrap(d.handle(request(opcode, 1, node, body.array()))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(r.getInt(4)).as(OpTable.name(opcode)).isZero();
        return r.position(16);
    }

    /** The errno of a failed request (negative, as fuse_out_header carries it). */
    private int error(int opcode, long node, ByteBuffer body) {
        return ByteBuffer.wrap(d.handle(request(opcode, 1, node, body.array()))).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    private static ByteBuffer of(byte[] b) {
        return ByteBuffer.wrap(b);
    }

    @Test
    void shouldDecodeNamespaceOperations() {
        ByteBuffer r = ok(Wire.MKNOD, 1, body(16 + 2).putInt(Attr.S_IFIFO | 0644).putInt(5).putInt(022).putInt(0)
            .put(name("p")));
        assertThat(r.getLong()).isEqualTo(9);
        assertThat(r.getLong()).isEqualTo(3);
        assertThat(r.getLong()).isEqualTo(2); // entry_valid 2.5 s
        assertThat(r.getLong()).isZero();
        assertThat(r.getInt()).isEqualTo(500_000_000);
        r.getInt();
        Attr a = Wire.getAttr(r);
        assertThat(a).isEqualTo(ATTR);
        ok(Wire.SYMLINK, 1, of(name("l", "/x/y")));
        ok(Wire.LINK, 2, body(8 + 2).putLong(9).put(name("h")));
        ok(Wire.RENAME, 1, body(8 + 4).putLong(2).put(name("a", "b")));
        ok(Wire.RENAME2, 1, body(16 + 4).putLong(2).putInt(1).putInt(0).put(name("a", "b")));
        assertThat(calls).containsExactly("mknod 1 p 10644 5 18", "symlink 1 l -> /x/y", "link 9 2 h",
            "rename 1 a 2 b 0", "rename 1 a 2 b 1");
        r = ok(Wire.READLINK, 9, body(0));
        assertThat(new String(r.array(), 16, r.remaining())).isEqualTo("tgt");
    }

    /** O_TMPFILE comes as CREATE does, with the name "/" the kernel gives the nameless dentry. */
    @Test
    void shouldDecodeATmpfileAndAnswerAsACreate() {
        ByteBuffer r = ok(Wire.TMPFILE, 1, body(16 + 2).putInt(020000002).putInt(Attr.S_IFREG | 0640).putInt(022).putInt(0)
            .put(name("/")));
        assertThat(calls).containsExactly("tmpfile 1 100640 18 20000002");
        assertThat(r.remaining()).isEqualTo(Wire.ENTRY_OUT_SIZE + Wire.OPEN_OUT_SIZE);
        assertThat(r.getLong()).isEqualTo(9);
        r.position(r.position() + Wire.ENTRY_OUT_SIZE - 8);
        assertThat(r.getLong()).as("file handle").isEqualTo(77);
    }

    @Test
    void shouldDecodeSetattrAccessAndXattrs() {
        ok(Wire.SETATTR, 9, body(88).putInt(SetAttrIn.FATTR_SIZE | SetAttrIn.FATTR_MODE | SetAttrIn.FATTR_MTIME)
            .putInt(0).putLong(0).putLong(123).putLong(0).putLong(0).putLong(2).putLong(0)
            .putInt(0).putInt(5).putInt(0).putInt(0640));
        ok(Wire.ACCESS, 9, body(8).putInt(6));
        ok(Wire.SETXATTR, 9, body(8 + 7 + 3).putInt(3).putInt(1).put(name("user.a")).put("abc".getBytes()));
        ok(Wire.REMOVEXATTR, 9, of(name("user.a")));
        assertThat(calls).containsExactly("setattr 9 size=true:123 mode=true:640 mtime=FuseTime[sec=2, nsec=5] now=false",
            "access 9 6 uid=1000 gid=100 pid=4242", "setxattr user.a=abc 1", "removexattr user.a");
        ByteBuffer r = ok(Wire.STATFS, 1, body(0));
        assertThat(r.remaining()).isEqualTo(Wire.KSTATFS_SIZE);
        assertThat(r.getLong()).isEqualTo(10);
        r.position(16 + 40);
        assertThat(r.getInt()).isEqualTo(4096);
        assertThat(r.getInt()).isEqualTo(255);
        assertThat(r.getInt()).isEqualTo(512);
    }

    @Test
    void shouldDecodeLocksSpaceAndCopies() {
        ByteBuffer r = ok(Wire.GETLK, 9, body(48).putLong(4).putLong(5).putLong(10).putLong(19).putInt(1).putInt(33));
        assertThat(Wire.getLock(r)).isEqualTo(new FileLock(0, Long.MAX_VALUE, FileLock.F_WRLCK, 77));
        ok(Wire.SETLK, 9, body(48).putLong(4).putLong(5).putLong(0).putLong(Long.MAX_VALUE).putInt(1).putInt(33)
            .putInt(Wire.LK_FLOCK));
        ok(Wire.FALLOCATE, 9, body(32).putLong(4).putLong(100).putLong(200).putInt(3));
        assertThat(ok(Wire.LSEEK, 9, body(24).putLong(4).putLong(1).putInt(3)).getLong()).isEqualTo(4096);
        assertThat(ok(Wire.COPY_FILE_RANGE, 9, body(56).putLong(4).putLong(0).putLong(10).putLong(11).putLong(8)
            .putLong(65536).putLong(0)).getInt()).isEqualTo(65536);
        ok(Wire.FSYNC, 9, body(16).putLong(4).putInt(1));
        ok(Wire.RELEASE, 9, body(24).putLong(4).putInt(2).putInt(1).putLong(5));
        assertThat(calls).containsExactly(
            "getlk 4 5 FileLock[start=10, end=19, type=1, pid=33]",
            "setlk 4 5 FileLock[start=0, end=9223372036854775807, type=1, pid=33] sleep=false flock=true",
            "fallocate 4 100 200 3", "lseek 4 1 3", "copy 9/4@0 -> 10/11@8 65536 0", "fsync 4 true",
            "release 4 2 1 5");
    }

    @Test
    void shouldDecodeAnIoctlAndAnswerWithItsBytes() {
        ByteBuffer r = ok(Wire.IOCTL, 9, body(36).putLong(4).putInt(0).putInt(0x80086601).putLong(0xdead).putInt(4).putInt(8)
            .put(new byte[] {1, 2, 3, 4}));
        assertThat(r.getInt()).isZero(); // fuse_ioctl_out: result, flags, in_iovs, out_iovs
        assertThat(r.getInt() | r.getInt() | r.getInt()).isZero();
        assertThat(r.remaining()).isEqualTo(4);
        assertThat(r.getInt()).isEqualTo(7);
        assertThat(calls).containsExactly("ioctl 9 4 80086601 in [1, 2, 3, 4] out 8");
        // a command the file system does not know, an unrestricted (CUSE) ioctl, an argument cut short
        assertThat(error(Wire.IOCTL, 9, body(32).putLong(4).putInt(0).putInt(0x1234).putLong(0).putInt(0).putInt(0)))
            .isEqualTo(-Errno.ENOTTY);
        assertThat(error(Wire.IOCTL, 9, body(32).putLong(4).putInt(2).putInt(0x80086601).putLong(0).putInt(0).putInt(4)))
            .isEqualTo(-Errno.ENOTTY);
        assertThat(error(Wire.IOCTL, 9, body(32).putLong(4).putInt(0).putInt(0x40086602).putLong(0).putInt(4).putInt(0)))
            .isLessThan(0);
    }

    @Test
    void shouldInterruptABlockedSetlkw() throws Exception {
        byte[] setlkw = request(Wire.SETLKW, 50, 9,
            body(48).putLong(4).putLong(5).putLong(0).putLong(0).putInt(1).putInt(33).array());
        var reply = CompletableFuture.supplyAsync(() -> d.handle(setlkw));
        assertThat(lockTaken.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(d.handle(request(Wire.INTERRUPT, 51, 0, body(8).putLong(50).array()))).isEmpty();
        ByteBuffer r = ByteBuffer.wrap(reply.get(10, TimeUnit.SECONDS)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(r.getInt(4)).isEqualTo(-Errno.EINTR);
        assertThat(r.getLong(8)).isEqualTo(50);
        // an interrupt for a request not being handled asks the kernel to retry it later
        r = ByteBuffer.wrap(d.handle(request(Wire.INTERRUPT, 53, 0, body(8).putLong(52).array())))
            .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(r.getInt(4)).isEqualTo(-Errno.EAGAIN);
    }
}
