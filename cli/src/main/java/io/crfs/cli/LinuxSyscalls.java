package io.crfs.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few Linux system calls the offline tools need and {@code java.nio.file} does not offer,
 * through the FFM API against glibc (x86-64 Linux layouts; glibc 2.33+ exports {@code lstat}
 * and {@code mknod} as real symbols).
 *
 * <p>Why not {@code java.nio.file}: it cannot read or set security/trusted xattrs, set owners or
 * times of a symlink itself, create device nodes, or find the holes of a sparse file; and it
 * turns names into Strings, which loses bytes that are not valid in the locale's charset. Every
 * path here is raw bytes (no NUL), exactly what the kernel sees.
 *
 * <p>Errors are {@link SyscallException}s carrying errno, the call and the path.
 */
public final class LinuxSyscalls {
    public static final int SEEK_SET = 0, SEEK_DATA = 3, SEEK_HOLE = 4; // linux/fs.h
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000,
            O_NOFOLLOW = 0400000, O_DIRECTORY = 0200000, O_CLOEXEC = 02000000;
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int ENOENT = 2, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, ENOSPC = 28,
            ENXIO = 6, ENODATA = 61, ERANGE = 34, EOPNOTSUPP = 95, EPERM = 1, EACCES = 13;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle LSTAT = errnoFn("lstat", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle LLISTXATTR = errnoFn("llistxattr", JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle LGETXATTR = errnoFn("lgetxattr", JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle LSETXATTR = errnoFn("lsetxattr", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle LCHOWN = errnoFn("lchown", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle CHMOD = errnoFn("chmod", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle UTIMENSAT = errnoFn("utimensat", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle MKNOD = errnoFn("mknod", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MKDIR = errnoFn("mkdir", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SYMLINK = errnoFn("symlink", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle LINK = errnoFn("link", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle UNLINK = errnoFn("unlink", JAVA_INT, ADDRESS);
    private static final MethodHandle READLINK = errnoFn("readlink", JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle OPEN = errnoFn("open", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle CLOSE = errnoFn("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle PREAD = errnoFn("pread", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle PWRITE = errnoFn("pwrite", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle LSEEK = errnoFn("lseek", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT);
    private static final MethodHandle FTRUNCATE = errnoFn("ftruncate", JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle GETDENTS64 = errnoFn("getdents64", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle ISATTY = fn("isatty", JAVA_INT, JAVA_INT);
    private static final MethodHandle STRERROR = fn("strerror", ADDRESS, JAVA_INT);

    // struct stat on x86-64 (asm/stat.h): 144 bytes.
    private static final long STAT_SIZE = 144, ST_DEV = 0, ST_INO = 8, ST_NLINK = 16, ST_MODE = 24, ST_UID = 28,
            ST_GID = 32, ST_RDEV = 40, ST_SIZE = 48, ST_BLOCKS = 64, ST_ATIM = 72, ST_MTIM = 88, ST_CTIM = 104;
    private static final long D_NAME = 19;
    private static final int DIRENT_BUF = 64 * 1024;

    private LinuxSyscalls() {}

    /** What lstat(2) says about one path. Times are (seconds, nanoseconds). */
    public record Stat(long dev, long ino, long nlink, int mode, int uid, int gid, long rdev, long size, long blocks,
                       long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {
        public int type() { return mode & 0170000; }
        public boolean isDir() { return type() == 0040000; }
        public boolean isRegular() { return type() == 0100000; }
        public boolean isSymlink() { return type() == 0120000; }
    }

    /** A system call failed; {@link #errno()} is the Linux errno. */
    public static final class SyscallException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        SyscallException(String call, byte[] path, int errno) {
            super(call + " " + show(path) + ": " + strerror(errno));
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    public static Stat lstat(byte[] path) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STAT_SIZE, 8);
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) LSTAT.invokeExact(cs, cstr(a, path), st);
            check(r, cs, "lstat", path);
            return new Stat(st.get(JAVA_LONG, ST_DEV), st.get(JAVA_LONG, ST_INO), st.get(JAVA_LONG, ST_NLINK),
                    st.get(JAVA_INT, ST_MODE), st.get(JAVA_INT, ST_UID), st.get(JAVA_INT, ST_GID),
                    st.get(JAVA_LONG, ST_RDEV), st.get(JAVA_LONG, ST_SIZE), st.get(JAVA_LONG, ST_BLOCKS),
                    st.get(JAVA_LONG, ST_ATIM), (int) st.get(JAVA_LONG, ST_ATIM + 8),
                    st.get(JAVA_LONG, ST_MTIM), (int) st.get(JAVA_LONG, ST_MTIM + 8),
                    st.get(JAVA_LONG, ST_CTIM), (int) st.get(JAVA_LONG, ST_CTIM + 8));
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Names in a directory, without "." and "..", in the order the file system returns them.
     * getdents64(2) rather than readdir(3): readdir reports errors only through errno, which a
     * captured-call-state downcall cannot clear beforehand, so end-of-directory and failure look alike.
     */
    public static List<byte[]> listDir(byte[] path) throws SyscallException {
        int fd = open(path, O_RDONLY | O_DIRECTORY, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(DIRENT_BUF, 8);
            List<byte[]> names = new ArrayList<>();
            while (true) {
                long n = (long) GETDENTS64.invokeExact(cs, fd, buf, (long) DIRENT_BUF);
                if (n < 0 && (int) ERRNO.get(cs, 0L) == 4) {
                    continue; // EINTR
                }
                check(n, cs, "getdents64", path);
                if (n == 0) {
                    return names;
                }
                // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name (NUL-terminated).
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 16));
                    long nameAt = off + D_NAME;
                    long len = 0;
                    while (buf.get(JAVA_BYTE, nameAt + len) != 0) {
                        len++;
                    }
                    byte[] name = buf.asSlice(nameAt, len).toArray(JAVA_BYTE);
                    if (!(Arrays.equals(name, DOT) || Arrays.equals(name, DOTDOT))) {
                        names.add(name);
                    }
                    off += reclen;
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            close(fd);
        }
    }

    /** All xattr names of the path itself (not following a symlink). */
    public static List<byte[]> listXattrs(byte[] path) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment p = cstr(a, path);
            while (true) {
                long n = (long) LLISTXATTR.invokeExact(cs, p, MemorySegment.NULL, 0L);
                if (n < 0 && (int) ERRNO.get(cs, 0L) == EOPNOTSUPP) {
                    return List.of();
                }
                check(n, cs, "llistxattr", path);
                if (n == 0) {
                    return List.of();
                }
                MemorySegment buf = a.allocate(n);
                long m = (long) LLISTXATTR.invokeExact(cs, p, buf, n);
                if (m < 0 && (int) ERRNO.get(cs, 0L) == ERANGE) {
                    continue; // grew in between
                }
                check(m, cs, "llistxattr", path);
                byte[] all = buf.asSlice(0, m).toArray(JAVA_BYTE);
                List<byte[]> names = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < all.length; i++) {
                    if (all[i] == 0) {
                        if (i > start) {
                            names.add(Arrays.copyOfRange(all, start, i));
                        }
                        start = i + 1;
                    }
                }
                return names;
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static byte[] getXattr(byte[] path, byte[] name) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment p = cstr(a, path), n = cstr(a, name);
            while (true) {
                long size = (long) LGETXATTR.invokeExact(cs, p, n, MemorySegment.NULL, 0L);
                check(size, cs, "lgetxattr " + show(name), path);
                MemorySegment buf = a.allocate(Math.max(1, size));
                long got = (long) LGETXATTR.invokeExact(cs, p, n, buf, size);
                if (got < 0 && (int) ERRNO.get(cs, 0L) == ERANGE) {
                    continue;
                }
                check(got, cs, "lgetxattr " + show(name), path);
                return buf.asSlice(0, got).toArray(JAVA_BYTE);
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void setXattr(byte[] path, byte[] name, byte[] value) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
            int r = (int) LSETXATTR.invokeExact(cs, cstr(a, path), cstr(a, name), v, (long) value.length, 0);
            check(r, cs, "lsetxattr " + show(name), path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void lchown(byte[] path, int uid, int gid) throws SyscallException {
        call2(LCHOWN, "lchown", path, uid, gid);
    }

    /** chmod follows symlinks; never call it on one (Linux has no symlink modes). */
    public static void chmod(byte[] path, int mode) throws SyscallException {
        call1(CHMOD, "chmod", path, mode);
    }

    public static void mkdir(byte[] path, int mode) throws SyscallException {
        call1(MKDIR, "mkdir", path, mode);
    }

    public static void mknod(byte[] path, int mode, long rdev) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) MKNOD.invokeExact(cs, cstr(a, path), mode, rdev);
            check(r, cs, "mknod", path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Sets atime and mtime of the path itself (utimensat with AT_SYMLINK_NOFOLLOW), to the nanosecond. */
    public static void setTimes(byte[] path, long aSec, int aNsec, long mSec, int mNsec) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment ts = a.allocate(32, 8);
            ts.set(JAVA_LONG, 0, aSec);
            ts.set(JAVA_LONG, 8, aNsec);
            ts.set(JAVA_LONG, 16, mSec);
            ts.set(JAVA_LONG, 24, mNsec);
            int r = (int) UTIMENSAT.invokeExact(cs, AT_FDCWD, cstr(a, path), ts, AT_SYMLINK_NOFOLLOW);
            check(r, cs, "utimensat", path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void symlink(byte[] target, byte[] path) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) SYMLINK.invokeExact(cs, cstr(a, target), cstr(a, path));
            check(r, cs, "symlink", path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void link(byte[] existing, byte[] path) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) LINK.invokeExact(cs, cstr(a, existing), cstr(a, path));
            check(r, cs, "link", path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void unlink(byte[] path) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) UNLINK.invokeExact(cs, cstr(a, path));
            check(r, cs, "unlink", path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static byte[] readlink(byte[] path) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment p = cstr(a, path);
            for (long cap = 4096; ; cap *= 2) {
                MemorySegment buf = a.allocate(cap);
                long n = (long) READLINK.invokeExact(cs, p, buf, cap);
                check(n, cs, "readlink", path);
                if (n < cap) {
                    return buf.asSlice(0, n).toArray(JAVA_BYTE);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** open(2); returns the file descriptor. */
    public static int open(byte[] path, int flags, int mode) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(cs, cstr(a, path), flags | O_CLOEXEC, mode);
            check(fd, cs, "open", path);
            return fd;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** pread into a native buffer; returns bytes read (0 at end of file). */
    public static long pread(int fd, MemorySegment buf, long length, long offset, byte[] pathForErrors) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            while (true) {
                long n = (long) PREAD.invokeExact(cs, fd, buf, length, offset);
                if (n < 0 && (int) ERRNO.get(cs, 0L) == 4) { // EINTR
                    continue;
                }
                check(n, cs, "pread", pathForErrors);
                return n;
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Writes all of buf[0, length) at offset. */
    public static void pwriteFully(int fd, MemorySegment buf, long length, long offset, byte[] pathForErrors) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            long done = 0;
            while (done < length) {
                long n = (long) PWRITE.invokeExact(cs, fd, buf.asSlice(done), length - done, offset + done);
                if (n < 0 && (int) ERRNO.get(cs, 0L) == 4) {
                    continue;
                }
                check(n, cs, "pwrite", pathForErrors);
                done += n;
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** lseek; for SEEK_DATA/SEEK_HOLE past the last data returns -1 (ENXIO) instead of throwing. */
    public static long lseek(int fd, long offset, int whence, byte[] pathForErrors) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            long r = (long) LSEEK.invokeExact(cs, fd, offset, whence);
            if (r < 0 && (int) ERRNO.get(cs, 0L) == ENXIO) {
                return -1;
            }
            check(r, cs, "lseek", pathForErrors);
            return r;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void ftruncate(int fd, long size, byte[] pathForErrors) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) FTRUNCATE.invokeExact(cs, fd, size);
            check(r, cs, "ftruncate", pathForErrors);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Joins a directory path and a name with '/'. */
    public static byte[] child(byte[] dir, byte[] name) {
        boolean slash = dir.length > 0 && dir[dir.length - 1] == '/';
        byte[] out = new byte[dir.length + (slash ? 0 : 1) + name.length];
        System.arraycopy(dir, 0, out, 0, dir.length);
        if (!slash) {
            out[dir.length] = '/';
        }
        System.arraycopy(name, 0, out, out.length - name.length, name.length);
        return out;
    }

    /** A host path from the command line as the bytes the kernel sees (the JVM decoded argv with sun.jnu.encoding). */
    public static byte[] hostPath(String path) {
        String enc = System.getProperty("sun.jnu.encoding");
        java.nio.charset.Charset cs;
        try {
            cs = enc == null ? java.nio.charset.StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(enc);
        } catch (RuntimeException e) {
            cs = java.nio.charset.StandardCharsets.UTF_8;
        }
        return path.getBytes(cs);
    }

    /** Bytes for display in messages (invalid UTF-8 shows as U+FFFD). */
    public static String show(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static final byte[] DOT = {'.'}, DOTDOT = {'.', '.'};

    private static void call1(MethodHandle h, String name, byte[] path, int arg) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) h.invokeExact(cs, cstr(a, path), arg);
            check(r, cs, name, path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void call2(MethodHandle h, String name, byte[] path, int x, int y) throws SyscallException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) h.invokeExact(cs, cstr(a, path), x, y);
            check(r, cs, name, path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void check(long r, MemorySegment cs, String call, byte[] path) throws SyscallException {
        if (r < 0) {
            throw new SyscallException(call, path, (int) ERRNO.get(cs, 0L));
        }
    }

    private static MemorySegment cstr(Arena a, byte[] b) {
        MemorySegment s = a.allocate(b.length + 1L);
        MemorySegment.copy(b, 0, s, JAVA_BYTE, 0, b.length);
        s.set(JAVA_BYTE, b.length, (byte) 0);
        return s;
    }

    private static MethodHandle errnoFn(String name, ValueLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)),
                FunctionDescriptor.of(ret, args), Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle fn(String name, ValueLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)),
                FunctionDescriptor.of(ret, args));
    }
}
