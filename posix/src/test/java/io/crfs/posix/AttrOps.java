package io.crfs.posix;

import io.crfs.format.Timespec;
import io.crfs.posix.PosixModel.Node;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;

/** The attribute operations of {@link PosixRandomOps}: setxattr, removexattr, chmod, utimens. */
final class AttrOps {
    private final PosixFs fs;
    private final Random rnd;
    private final Timespec t0;

    AttrOps(PosixFs fs, Random rnd, Timespec t0) {
        this.fs = fs;
        this.rnd = rnd;
        this.t0 = t0;
    }

    private static Errno attempt(Runnable r) {
        try {
            r.run();
            return null;
        } catch (PosixException e) {
            return e.errno();
        }
    }

    private static void expect(Errno want, Errno got) {
        PosixModel.check(want == got, "expected " + (want == null ? "success" : want) + ", got " + (got == null ? "success" : got));
    }

    private static final boolean BIG = Boolean.getBoolean("crfs.random.bigXattrs");

    void xattr(Node n, Consumer<String> op) {
        String[] names = PosixRandomOps.xattrNames();
        String name = names[rnd.nextInt(names.length)];
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        boolean userNotAllowed = name.startsWith("user.") && !n.isReg() && !n.isDir();
        boolean exists = n.xattrs.containsKey(name);
        if (rnd.nextInt(10) < 7) {
            int flags = rnd.nextInt(3);
            // -Dcrfs.random.bigXattrs=true: values up to 7.5 KB half the time (two colliding names still fit one item), so that trees grow deep fast
            byte[] value = new byte[BIG && rnd.nextBoolean() ? 4000 + rnd.nextInt(3_500)
                    : rnd.nextInt(8) == 0 ? rnd.nextInt(4000) : rnd.nextInt(100)];
            rnd.nextBytes(value);
            op.accept("setxattr " + n.ino + " " + name + " len " + value.length + " flags " + flags);
            Errno want = userNotAllowed ? Errno.EPERM
                    : exists && flags == PosixFs.XATTR_CREATE ? Errno.EEXIST
                    : !exists && flags == PosixFs.XATTR_REPLACE ? Errno.ENODATA : null;
            expect(want, attempt(() -> fs.setxattr(Caller.ROOT, n.ino, nb, value, flags)));
            if (want == null) {
                n.xattrs.put(name, value);
            }
        } else {
            op.accept("removexattr " + n.ino + " " + name);
            Errno want = userNotAllowed ? Errno.EPERM : !exists ? Errno.ENODATA : null;
            expect(want, attempt(() -> fs.removexattr(Caller.ROOT, n.ino, nb)));
            if (want == null) {
                n.xattrs.remove(name);
            }
        }
    }

    void chmodOrUtimens(Node n, Consumer<String> op) {
        if (rnd.nextBoolean() && n.target == null) {
            int mode = rnd.nextInt(010000);
            op.accept("chmod " + n.ino + " " + Integer.toOctalString(mode));
            fs.setattr(Caller.ROOT, n.ino, SetAttr.mode(mode));
            n.mode = mode;
            return;
        }
        Timespec at = rnd.nextBoolean() ? new Timespec(rnd.nextInt(2_000_000_000), rnd.nextInt(1_000_000_000)) : null;
        Timespec mt = rnd.nextBoolean() ? new Timespec(rnd.nextInt(2_000_000_000), rnd.nextInt(1_000_000_000)) : null;
        boolean atNow = at == null && rnd.nextInt(3) == 0;
        boolean mtNow = mt == null && rnd.nextInt(3) == 0;
        op.accept("utimens " + n.ino + " " + at + (atNow ? " now" : "") + " " + mt + (mtNow ? " now" : ""));
        fs.setattr(Caller.ROOT, n.ino, new SetAttr(null, null, null, null, at, mt, atNow, mtNow, null));
        if (at != null || atNow) {
            n.atime = atNow ? t0 : at;
        }
        if (mt != null || mtNow) {
            n.mtime = mtNow ? t0 : mt;
        }
    }
}
