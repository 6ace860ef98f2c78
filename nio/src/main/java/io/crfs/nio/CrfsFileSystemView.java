package io.crfs.nio;

import io.crfs.format.Timespec;
import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.Errno;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import io.crfs.posix.SetAttr;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * The operations of a {@link CrfsFileSystem}, over its client's {@link PosixFs}: path walks
 * (symlinks followed as Linux does, at most 40), then one or a few POSIX calls, with errnos
 * mapped to NIO exceptions by {@link Errors}. The provider only checks its arguments and calls
 * in here.
 */
final class CrfsFileSystemView {
    static final int MAX_SYMLINKS = 40;
    static final int CHUNK = 1 << 20;

    private final CrfsFileSystem fs;
    private final PosixFs posix;
    private final Caller caller;

    CrfsFileSystemView(CrfsFileSystem fs, PosixFs posix, Caller caller) {
        this.fs = fs;
        this.posix = posix;
        this.caller = caller;
    }

    PosixFs posix() {
        return posix;
    }

    Caller caller() {
        return caller;
    }

    CrfsFileSystem fileSystem() {
        return fs;
    }

    /** One POSIX call; a PosixException becomes the matching NIO exception for these paths. */
    interface Call<T> {
        T run() throws IOException;
    }

    <T> T io(Path file, Path other, Call<T> body) throws IOException {
        try {
            return body.run();
        } catch (PosixException e) {
            throw Errors.map(e, file, other);
        }
    }

    // ---- path walks -----------------------------------------------------------------------

    /** A name in its directory: the directory's inode, the name, and the attributes (null if absent). */
    record Located(long dir, byte[] name, Attr attr) {}

    /** The inode a path leads to; {@code followLast} also follows a final symlink. Absent: NoSuchFileException. */
    Attr attr(CrfsPath p, boolean followLast) throws IOException {
        return io(p, null, () -> walk(p, followLast, true).attr);
    }

    /** Like {@link #attr} but null if the final name (only) does not exist. */
    Attr attrIfExists(CrfsPath p, boolean followLast) throws IOException {
        return io(p, null, () -> walk(p, followLast, false).attr);
    }

    /** The parent directory (symlinks followed) and the final name, not followed. */
    Located locate(CrfsPath p) throws IOException {
        return io(p, null, () -> {
            Walk w = walk(p, false, false);
            if (w.name == null) {
                return new Located(PosixFs.ROOT, null, w.attr); // the root
            }
            return new Located(w.dir, w.name, w.attr);
        });
    }

    private record Walk(long dir, byte[] name, Attr attr, List<byte[]> physical) {}

    /**
     * Walks {@code p} from the root. Keeps the stack of directories entered, so ".." goes to
     * the directory we came from (each directory has one parent). Returns the final directory,
     * name and attributes (attr null if the last name is absent and {@code mustExist} is false).
     */
    private Walk walk(CrfsPath p, boolean followLast, boolean mustExist) {
        Deque<byte[]> todo = new ArrayDeque<>(Arrays.asList(p.toAbsolutePath().names()));
        Deque<Long> dirs = new ArrayDeque<>();
        Deque<byte[]> physical = new ArrayDeque<>();
        dirs.push(PosixFs.ROOT);
        Attr cur = posix.getattr(PosixFs.ROOT);
        byte[] lastName = null;
        long lastDir = PosixFs.ROOT;
        int links = 0;
        while (!todo.isEmpty()) {
            byte[] n = todo.pop();
            if (n.length == 1 && n[0] == '.') {
                if (!cur.isDir()) {
                    throw new PosixException(Errno.ENOTDIR, "not a directory");
                }
                continue;
            }
            if (n.length == 2 && n[0] == '.' && n[1] == '.') {
                if (!cur.isDir()) {
                    throw new PosixException(Errno.ENOTDIR, "not a directory");
                }
                if (dirs.size() > 1) {
                    dirs.pop();
                    physical.removeLast();
                }
                cur = posix.getattr(dirs.peek());
                lastName = null;
                continue;
            }
            long dir = dirs.peek();
            boolean mayBeNew = todo.isEmpty() && !mustExist;
            Attr a = mayBeNew ? posix.find(caller, dir, n) : posix.lookup(caller, dir, n);
            if (a == null) {
                return new Walk(dir, n, null, List.copyOf(physical));
            }
            boolean last = todo.isEmpty();
            if (a.isSymlink() && (!last || followLast)) {
                if (++links > MAX_SYMLINKS) {
                    throw new PosixException(Errno.ELOOP, "too many levels of symbolic links");
                }
                byte[] target = posix.readlink(a.ino());
                CrfsPath t = CrfsPath.parse(fs, target);
                byte[][] tn = t.names();
                for (int i = tn.length - 1; i >= 0; i--) {
                    todo.push(tn[i]);
                }
                if (t.isAbsolute()) {
                    dirs.clear();
                    dirs.push(PosixFs.ROOT);
                    physical.clear();
                }
                cur = posix.getattr(dirs.peek());
                lastName = null;
                continue;
            }
            lastDir = dir;
            lastName = n;
            cur = a;
            if (!last && !a.isDir()) {
                throw new PosixException(Errno.ENOTDIR, new String(n, java.nio.charset.StandardCharsets.UTF_8)
                        + " is not a directory");
            }
            if (a.isDir()) {
                dirs.push(a.ino());
                physical.addLast(n);
            }
        }
        if (lastName == null) {
            // ended on a directory reached by "..", "." or a symlink: name it by its parent
            long ino = dirs.peek();
            if (ino == PosixFs.ROOT) {
                return new Walk(PosixFs.ROOT, null, posix.getattr(PosixFs.ROOT), List.of());
            }
            List<byte[]> phys = new ArrayList<>(physical);
            dirs.pop();
            return new Walk(dirs.peek(), phys.getLast(), posix.getattr(ino), phys);
        }
        return new Walk(lastDir, lastName, cur, List.copyOf(physical));
    }

    CrfsPath realPath(CrfsPath p, boolean follow) throws IOException {
        return io(p, null, () -> {
            Walk w = walk(p, follow, true);
            List<byte[]> names = new ArrayList<>(w.physical);
            if (w.name != null && !w.attr.isDir()) {
                names.add(w.name);
            }
            return new CrfsPath(fs, true, names.toArray(new byte[0][]));
        });
    }

    long ino(CrfsPath p, boolean follow) throws IOException {
        return attr(p, follow).ino();
    }

    // ---- files and directories ------------------------------------------------------------

    FileChannel newFileChannel(CrfsPath p, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Options o = Options.parse(options);
        int mode = Attributes.modeOf(attrs, 0666); // PosixFs applies the umask, or the default ACL
        return io(p, null, () -> {
            Located l = locate(p);
            Attr a = l.attr;
            if (a != null && a.isSymlink()) {
                if (o.createNew()) {
                    throw new FileAlreadyExistsException(p.toString());
                }
                if (!o.follow()) {
                    throw Errors.errno(Errno.ELOOP, p, "is a symbolic link (NOFOLLOW_LINKS)");
                }
                a = attrIfExists(p, true);
                if (a == null) {
                    if (!o.create()) {
                        throw new NoSuchFileException(p.toString());
                    }
                    // a dangling symlink: create its target, as open(O_CREAT) does
                    CrfsPath target = (CrfsPath) p.resolveSibling(CrfsPath.parse(fs, posix.readlink(l.attr.ino())));
                    return newFileChannel(target, options, attrs);
                }
            }
            boolean created = false;
            if (a == null) {
                if (l.name == null) {
                    throw Errors.errno(Errno.EISDIR, p, "is a directory");
                }
                if (!o.create() && !o.createNew()) {
                    throw new NoSuchFileException(p.toString());
                }
                a = posix.create(caller, l.dir, l.name, mode, o.createNew());
                created = true;
            } else if (o.createNew()) {
                throw new FileAlreadyExistsException(p.toString());
            }
            if (a.isDir() && o.write()) {
                throw Errors.errno(Errno.EISDIR, p, "is a directory");
            }
            if (!created) {
                posix.access(caller, a.ino(), (o.read() ? PosixFs.R_OK : 0) | (o.write() ? PosixFs.W_OK : 0));
            }
            if (o.truncate() && o.write() && a.isRegular() && a.size() > 0) {
                a = posix.ftruncate(caller, a.ino(), 0);
            }
            if (created || o.truncate()) {
                fs.changed(l.dir, a.ino());
            }
            return new CrfsFileChannel(this, p, a, o, l.dir, l.name);
        });
    }

    void createDirectory(CrfsPath p, FileAttribute<?>... attrs) throws IOException {
        int mode = Attributes.modeOf(attrs, 0777); // PosixFs applies the umask, or the default ACL
        io(p, null, () -> {
            Located l = locate(p);
            if (l.name == null || l.attr != null) {
                throw new FileAlreadyExistsException(p.toString());
            }
            posix.mkdir(caller, l.dir, l.name, mode);
            fs.changed(l.dir);
            return null;
        });
    }

    void createSymbolicLink(CrfsPath link, byte[] target, FileAttribute<?>... attrs) throws IOException {
        if (attrs.length > 0) {
            throw new UnsupportedOperationException("symbolic links take no initial attributes");
        }
        io(link, null, () -> {
            Located l = locate(link);
            if (l.name == null || l.attr != null) {
                throw new FileAlreadyExistsException(link.toString());
            }
            posix.symlink(caller, l.dir, l.name, target);
            fs.changed(l.dir);
            return null;
        });
    }

    void createLink(CrfsPath link, CrfsPath existing) throws IOException {
        io(link, existing, () -> {
            Attr a = attr(existing, false);
            Located l = locate(link);
            if (l.name == null || l.attr != null) {
                throw new FileAlreadyExistsException(link.toString());
            }
            posix.link(caller, a.ino(), l.dir, l.name);
            fs.changed(l.dir, a.ino());
            return null;
        });
    }

    void delete(CrfsPath p) throws IOException {
        io(p, null, () -> {
            Located l = locate(p);
            if (l.name == null) {
                throw Errors.errno(Errno.EBUSY, p, "the root directory cannot be deleted");
            }
            Errors.requireExists(l.attr, p);
            if (l.attr.isDir()) {
                posix.rmdir(caller, l.dir, l.name);
            } else {
                posix.unlink(caller, l.dir, l.name);
            }
            fs.changed(l.dir, l.attr.ino());
            return null;
        });
    }

    byte[] readSymbolicLink(CrfsPath link) throws IOException {
        return io(link, null, () -> posix.readlink(Errors.requireSymlink(attr(link, false), link).ino()));
    }

    void checkAccess(CrfsPath p, AccessMode... modes) throws IOException {
        int mask = PosixFs.F_OK;
        for (AccessMode m : modes) {
            mask |= switch (m) {
                case READ -> PosixFs.R_OK;
                case WRITE -> PosixFs.W_OK;
                case EXECUTE -> PosixFs.X_OK;
            };
        }
        int m = mask;
        io(p, null, () -> {
            posix.access(caller, attr(p, true).ino(), m);
            return null;
        });
    }

    boolean isSameFile(CrfsPath a, CrfsPath b) throws IOException {
        return a.equals(b) || ino(a, true) == ino(b, true);
    }

    DirectoryStream<Path> newDirectoryStream(CrfsPath dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Attr a = Errors.requireDirectory(attr(dir, true), dir);
        return io(dir, null, () -> new CrfsDirectoryStream(this, dir, a.ino(), filter));
    }

    List<DirEntryInfo> readdir(long dir, long cookie, int max) {
        return posix.readdir(caller, dir, cookie, max);
    }

    // ---- copy and move --------------------------------------------------------------------

    void copy(CrfsPath src, CrfsPath dst, CopyOption... options) throws IOException {
        boolean replace = false, copyAttrs = false, follow = true;
        for (CopyOption o : options) {
            if (o == StandardCopyOption.REPLACE_EXISTING) {
                replace = true;
            } else if (o == StandardCopyOption.COPY_ATTRIBUTES) {
                copyAttrs = true;
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                follow = false;
            } else if (o != null) {
                throw new UnsupportedOperationException("unsupported copy option " + o);
            }
        }
        boolean rep = replace, attrs = copyAttrs;
        Attr s = attr(src, follow);
        io(src, dst, () -> {
            Located t = locate(dst);
            if (t.attr != null) {
                if (t.attr.ino() == s.ino()) {
                    return null;
                }
                if (!rep) {
                    throw new FileAlreadyExistsException(dst.toString());
                }
                delete(dst);
            } else if (t.name == null) {
                throw new FileAlreadyExistsException(dst.toString());
            }
            Attr n;
            if (s.isDir()) {
                n = posix.mkdir(caller, t.dir, t.name, s.mode() & 07777);
            } else if (s.isSymlink()) {
                n = posix.symlink(caller, t.dir, t.name, posix.readlink(s.ino()));
            } else if (s.isRegular()) {
                n = posix.create(caller, t.dir, t.name, s.mode() & 07777, true);
                copyData(s, n);
            } else {
                n = posix.mknod(caller, t.dir, t.name, s.mode(), s.rdev());
            }
            if (attrs && !s.isSymlink()) {
                posix.setattr(caller, n.ino(), SetAttr.mode(s.mode() & 07777));
                if (caller.isRoot()) {
                    posix.setattr(caller, n.ino(), SetAttr.owner(s.uid(), s.gid()));
                }
                posix.setattr(caller, n.ino(), SetAttr.times(s.atime(), s.mtime()));
            }
            fs.changed(t.dir, n.ino());
            return null;
        });
    }

    /** The file's bytes, as copy_file_range copies them: whole sectors shared with the source (a reflink by crfsd). */
    private void copyData(Attr from, Attr to) {
        posix.copyFileRange(caller, from.ino(), 0, to.ino(), 0, from.size(), 0);
    }

    void move(CrfsPath src, CrfsPath dst, CopyOption... options) throws IOException {
        boolean replace = false, atomic = false;
        for (CopyOption o : options) {
            if (o == StandardCopyOption.REPLACE_EXISTING) {
                replace = true;
            } else if (o == StandardCopyOption.ATOMIC_MOVE) {
                atomic = true;
            } else if (o != StandardCopyOption.COPY_ATTRIBUTES && o != LinkOption.NOFOLLOW_LINKS && o != null) {
                throw new UnsupportedOperationException("unsupported move option " + o);
            }
        }
        boolean rep = replace, atom = atomic;
        io(src, dst, () -> {
            Located s = locate(src);
            Errors.requireExists(s.attr, src);
            if (s.name == null) {
                throw Errors.errno(Errno.EBUSY, src, "the root directory cannot be moved");
            }
            Located t = locate(dst);
            if (t.name == null) {
                throw new FileAlreadyExistsException(dst.toString());
            }
            int flags;
            if (atom) {
                flags = 0; // rename(2) replaces the target atomically
            } else if (rep) {
                flags = 0;
                if (t.attr != null && t.attr.ino() != s.attr.ino() && t.attr.isDir() != s.attr.isDir()) {
                    delete(dst); // Files.move replaces a file by a directory and back; rename(2) does not
                }
            } else {
                if (t.attr != null && t.attr.ino() != s.attr.ino()) {
                    throw new FileAlreadyExistsException(dst.toString());
                }
                flags = t.attr == null ? PosixFs.RENAME_NOREPLACE : 0;
            }
            posix.rename(caller, s.dir, s.name, t.dir, t.name, flags);
            fs.changed(s.dir, t.dir, s.attr.ino());
            return null;
        });
    }

    // ---- attributes -----------------------------------------------------------------------

    Attr setattr(CrfsPath p, boolean follow, SetAttr change) throws IOException {
        return io(p, null, () -> {
            Attr a = posix.setattr(caller, attr(p, follow).ino(), change);
            fs.changed(a.ino());
            return a;
        });
    }

    void setTimes(CrfsPath p, boolean follow, FileTime mtime, FileTime atime) throws IOException {
        if (mtime == null && atime == null) {
            return;
        }
        setattr(p, follow, new SetAttr(null, null, null, null, atime == null ? null : Timespec.of(atime.toInstant()),
                mtime == null ? null : Timespec.of(mtime.toInstant()), false, false, null));
    }

    void setPermissions(CrfsPath p, boolean follow, Set<PosixFilePermission> perms) throws IOException {
        setattr(p, follow, SetAttr.mode(Attributes.mode(perms)));
    }

    FileSystemException closedHandle(CrfsPath p) {
        return Errors.errno(Errno.EBADF, p, "closed");
    }
}
