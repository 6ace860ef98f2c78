package io.crfs.fuse;

/** Handlers for the namespace, attribute, open and directory operations. */
final class Ops {
    private Ops() {
    }

    private static void entry(Request r, Entry e) {
        if (e == null) {
            throw new FuseException(Errno.EIO, "null entry");
        }
        Wire.putEntry(r.out, e);
    }

    static void lookup(Dispatcher d, Request r) {
        Entry e = d.fs.lookup(r.ctx, r.nodeId, r.string());
        if (e == null) {
            throw new FuseException(Errno.ENOENT);
        }
        entry(r, e);
    }

    static void forget(Dispatcher d, Request r) {
        d.fs.forget(r.nodeId, r.u64());
    }

    static void batchForget(Dispatcher d, Request r) {
        int count = r.u32();
        r.u32();
        if (count < 0 || (long) count * 16 > r.in.remaining()) {
            throw new FuseException(Errno.EINVAL, "batch forget count " + count);
        }
        long[] inos = new long[count];
        long[] nlookups = new long[count];
        for (int i = 0; i < count; i++) {
            inos[i] = r.u64();
            nlookups[i] = r.u64();
        }
        d.fs.batchForget(inos, nlookups);
    }

    static void getattr(Dispatcher d, Request r) {
        int flags = r.u32();
        r.u32();
        long fh = r.u64();
        attrOut(r, d.fs.getattr(r.ctx, r.nodeId, (flags & Wire.GETATTR_FH) != 0 ? fh : -1));
    }

    private static void attrOut(Request r, AttrOut a) {
        if (a == null) {
            throw new FuseException(Errno.EIO, "null attr");
        }
        Wire.putAttrOut(r.out, a);
    }

    static void setattr(Dispatcher d, Request r) {
        int valid = r.u32();
        r.u32();
        long fh = r.u64(), size = r.u64(), lockOwner = r.u64();
        long atime = r.u64(), mtime = r.u64(), ctime = r.u64();
        FuseTime at = time(atime, r.u32()), mt = time(mtime, r.u32()), ct = time(ctime, r.u32());
        int mode = r.u32();
        r.u32();
        int uid = r.u32(), gid = r.u32();
        var in = new SetAttrIn(valid, fh, size, lockOwner, at, mt, ct, mode, uid, gid);
        attrOut(r, d.fs.setattr(r.ctx, r.nodeId, in));
    }

    /** A time from the kernel; nanoseconds beyond a second (never sent by Linux) are refused. */
    private static FuseTime time(long sec, int nsec) {
        if (nsec < 0 || nsec > 999_999_999) {
            throw new FuseException(Errno.EINVAL, "nanoseconds out of range: " + Integer.toUnsignedString(nsec));
        }
        return new FuseTime(sec, nsec);
    }

    static void readlink(Dispatcher d, Request r) {
        String target = d.fs.readlink(r.ctx, r.nodeId);
        r.out.put(target.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    static void symlink(Dispatcher d, Request r) {
        String name = r.string();
        String target = r.string();
        entry(r, d.fs.symlink(r.ctx, r.nodeId, name, target));
    }

    static void mknod(Dispatcher d, Request r) {
        int mode = r.u32(), rdev = r.u32(), umask = r.u32();
        r.u32();
        entry(r, d.fs.mknod(r.ctx, r.nodeId, r.string(), mode, rdev, umask));
    }

    static void mkdir(Dispatcher d, Request r) {
        int mode = r.u32(), umask = r.u32();
        entry(r, d.fs.mkdir(r.ctx, r.nodeId, r.string(), mode | Attr.S_IFDIR, umask));
    }

    static void unlink(Dispatcher d, Request r) {
        d.fs.unlink(r.ctx, r.nodeId, r.string());
    }

    static void rmdir(Dispatcher d, Request r) {
        d.fs.rmdir(r.ctx, r.nodeId, r.string());
    }

    static void rename(Dispatcher d, Request r) {
        long newDir = r.u64();
        int flags = 0;
        if (r.opcode == Wire.RENAME2) {
            flags = r.u32();
            r.u32();
        }
        String name = r.string();
        String newName = r.string();
        d.fs.rename(r.ctx, r.nodeId, name, newDir, newName, flags);
    }

    static void link(Dispatcher d, Request r) {
        long oldNode = r.u64();
        entry(r, d.fs.link(r.ctx, oldNode, r.nodeId, r.string()));
    }

    static void open(Dispatcher d, Request r) {
        int flags = r.u32();
        r.u32();
        openOut(r, d.fs.open(r.ctx, r.nodeId, flags));
    }

    static void opendir(Dispatcher d, Request r) {
        int flags = r.u32();
        r.u32();
        openOut(r, d.fs.opendir(r.ctx, r.nodeId, flags));
    }

    private static void openOut(Request r, OpenOut o) {
        if (o == null) {
            throw new FuseException(Errno.EIO, "null open");
        }
        Wire.putOpenOut(r.out, o);
    }

    static void create(Dispatcher d, Request r) {
        int flags = r.u32(), mode = r.u32(), umask = r.u32();
        r.u32();
        created(r, d.fs.create(r.ctx, r.nodeId, r.string(), mode, umask, flags));
    }

    /** O_TMPFILE: fuse_create_in as CREATE, whose name ("/" from the kernel) means nothing. */
    static void tmpfile(Dispatcher d, Request r) {
        int flags = r.u32(), mode = r.u32(), umask = r.u32();
        r.u32();
        r.string();
        created(r, d.fs.tmpfile(r.ctx, r.nodeId, mode, umask, flags));
    }

    /** The reply of CREATE and TMPFILE: fuse_entry_out, then fuse_open_out. */
    private static void created(Request r, CreateOut c) {
        if (c == null || c.open() == null) {
            throw new FuseException(Errno.EIO, "no entry and open file for " + OpTable.name(r.opcode));
        }
        entry(r, c.entry());
        Wire.putOpenOut(r.out, c.open());
    }

    static void release(Dispatcher d, Request r) {
        long fh = r.u64();
        int flags = r.u32(), releaseFlags = r.u32();
        long lockOwner = r.u64();
        d.fs.release(r.ctx, r.nodeId, fh, flags, releaseFlags, lockOwner);
    }

    static void releasedir(Dispatcher d, Request r) {
        long fh = r.u64();
        int flags = r.u32();
        d.fs.releasedir(r.ctx, r.nodeId, fh, flags);
    }

    /** READDIR and READDIRPLUS share fuse_read_in. */
    static void readdir(Dispatcher d, Request r) {
        long fh = r.u64(), offset = r.u64();
        int size = r.u32();
        boolean plus = r.opcode == Wire.READDIRPLUS;
        var buf = new DirBuffer(r.out, size, plus);
        if (plus) {
            d.fs.readdirplus(r.ctx, r.nodeId, fh, offset, buf);
        } else {
            d.fs.readdir(r.ctx, r.nodeId, fh, offset, buf);
        }
    }

    static void access(Dispatcher d, Request r) {
        d.fs.access(r.ctx, r.nodeId, r.u32());
    }
}
