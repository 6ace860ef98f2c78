package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Handlers for file data, sync, statfs, xattrs, locks and space management. */
final class DataOps {
    private DataOps() {
    }

    static void read(Dispatcher d, Request r) {
        long fh = r.u64(), offset = r.u64();
        int size = r.u32();
        if (size < 0 || size > r.out.remaining()) {
            size = Math.max(0, r.out.remaining());
        }
        ByteBuffer dst = r.out.slice(r.out.position(), size);
        d.fs.read(r.ctx, r.nodeId, fh, offset, dst);
        r.out.position(r.out.position() + dst.position());
    }

    static void write(Dispatcher d, Request r) {
        long fh = r.u64(), offset = r.u64();
        int size = r.u32(), writeFlags = r.u32();
        r.u64();
        r.u32();
        r.u32();
        ByteBuffer data = r.bytes(size).asReadOnlyBuffer();
        int n = d.fs.write(r.ctx, r.nodeId, fh, offset, data, writeFlags);
        r.out.putInt(n).putInt(0);
    }

    static void statfs(Dispatcher d, Request r) {
        StatFs s = d.fs.statfs(r.ctx, r.nodeId);
        Wire.putStatFs(r.out, s);
    }

    static void flush(Dispatcher d, Request r) {
        long fh = r.u64();
        r.u32();
        r.u32();
        d.fs.flush(r.ctx, r.nodeId, fh, r.u64());
    }

    static void fsync(Dispatcher d, Request r) {
        long fh = r.u64();
        int flags = r.u32();
        d.fs.fsync(r.ctx, r.nodeId, fh, (flags & Wire.FSYNC_FDATASYNC) != 0);
    }

    static void fsyncdir(Dispatcher d, Request r) {
        long fh = r.u64();
        int flags = r.u32();
        d.fs.fsyncdir(r.ctx, r.nodeId, fh, (flags & Wire.FSYNC_FDATASYNC) != 0);
    }

    /** fuse_setxattr_in without FUSE_SETXATTR_EXT (8 bytes): size, flags, name, value. */
    static void setxattr(Dispatcher d, Request r) {
        int size = r.u32(), flags = r.u32();
        String name = r.string();
        d.fs.setxattr(r.ctx, r.nodeId, name, r.byteArray(size), flags);
    }

    static void getxattr(Dispatcher d, Request r) {
        int size = r.u32();
        r.u32();
        byte[] value = d.fs.getxattr(r.ctx, r.nodeId, r.string());
        sized(r, size, value == null ? new byte[0] : value);
    }

    static void listxattr(Dispatcher d, Request r) {
        int size = r.u32();
        List<String> names = d.fs.listxattr(r.ctx, r.nodeId);
        var all = new java.io.ByteArrayOutputStream();
        for (String n : names == null ? List.<String>of() : names) {
            all.writeBytes(n.getBytes(StandardCharsets.ISO_8859_1));
            all.write(0);
        }
        sized(r, size, all.toByteArray());
    }

    /** size 0 asks for the length (fuse_getxattr_out); too small a size is ERANGE. */
    private static void sized(Request r, int size, byte[] value) {
        if (size == 0) {
            r.out.putInt(value.length).putInt(0);
        } else if (Integer.compareUnsigned(value.length, size) > 0 || value.length > r.out.remaining()) {
            throw new FuseException(Errno.ERANGE);
        } else {
            r.out.put(value);
        }
    }

    static void removexattr(Dispatcher d, Request r) {
        d.fs.removexattr(r.ctx, r.nodeId, r.string());
    }

    static void getlk(Dispatcher d, Request r) {
        long fh = r.u64(), owner = r.u64();
        FileLock lock = Wire.getLock(r.in);
        FileLock got = d.fs.getlk(r.ctx, r.nodeId, fh, owner, lock);
        Wire.putLock(r.out, got != null ? got : new FileLock(0, 0, FileLock.F_UNLCK, 0));
    }

    static void setlk(Dispatcher d, Request r) {
        long fh = r.u64(), owner = r.u64();
        FileLock lock = Wire.getLock(r.in);
        int lkFlags = r.u32();
        d.fs.setlk(r.ctx, r.nodeId, fh, owner, lock, r.opcode == Wire.SETLKW, (lkFlags & Wire.LK_FLOCK) != 0);
    }

    static void fallocate(Dispatcher d, Request r) {
        long fh = r.u64(), offset = r.u64(), length = r.u64();
        d.fs.fallocate(r.ctx, r.nodeId, fh, offset, length, r.u32());
    }

    static void lseek(Dispatcher d, Request r) {
        long fh = r.u64(), offset = r.u64();
        int whence = r.u32();
        r.out.putLong(d.fs.lseek(r.ctx, r.nodeId, fh, offset, whence));
    }

    /** fuse_ioctl_in, the caller's bytes; answered with fuse_ioctl_out (a result of 0) and the bytes it gets back. */
    static void ioctl(Dispatcher d, Request r) {
        long fh = r.u64();
        int flags = r.u32(), cmd = r.u32();
        r.u64(); // the caller's pointer: nothing to us
        int inSize = r.u32(), outSize = r.u32();
        if ((flags & Wire.IOCTL_UNRESTRICTED) != 0) {
            throw new FuseException(Errno.ENOTTY, "unrestricted ioctl 0x" + Integer.toHexString(cmd));
        }
        byte[] out = d.fs.ioctl(r.ctx, r.nodeId, fh, cmd, r.byteArray(inSize), outSize);
        if (Integer.compareUnsigned(out.length, outSize) > 0 || out.length + 16 > r.out.remaining()) {
            throw new FuseException(Errno.EIO, "ioctl 0x" + Integer.toHexString(cmd) + " answered " + out.length
                    + " bytes where " + outSize + " fit");
        }
        r.out.putInt(0).putInt(0).putInt(0).putInt(0).put(out);
    }

    static void copyFileRange(Dispatcher d, Request r) {
        long fhIn = r.u64(), offIn = r.u64(), nodeOut = r.u64(), fhOut = r.u64(), offOut = r.u64();
        long len = r.u64(), flags = r.u64();
        long n = d.fs.copyFileRange(r.ctx, r.nodeId, fhIn, offIn, nodeOut, fhOut, offOut, len, flags);
        r.out.putInt((int) Math.min(n, 0xffff_ffffL)).putInt(0);
    }
}
