package io.crfs.fuse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A small in-memory FuseFileSystem for tests; one lock, no permission checks. */
class MemoryFs implements FuseFileSystem {
    static final long TIMEOUT = 1_000_000_000L;
    /** Reading a file of this name throws, to check that errors become EIO. */
    static final String BOOM = "boom";

    static final class Node {
        final long ino;
        int mode;
        int nlink = 1;
        byte[] data = new byte[0];
        String target;
        final TreeMap<String, Long> children = new TreeMap<>();
        long mtime = System.currentTimeMillis() * 1_000_000L;

        Node(long ino, int mode) {
            this.ino = ino;
            this.mode = mode;
        }
    }

    final Map<Long, Node> nodes = new ConcurrentHashMap<>();
    final AtomicLong nextIno = new AtomicLong(2);
    final AtomicLong forgets = new AtomicLong();

    MemoryFs() {
        Node root = new Node(1, Attr.S_IFDIR | 0777);
        root.nlink = 2;
        nodes.put(1L, root);
    }

    Node node(long ino) {
        Node n = nodes.get(ino);
        if (n == null) {
            throw new FuseException(Errno.ENOENT);
        }
        return n;
    }

    Node dir(long ino) {
        Node n = node(ino);
        if ((n.mode & Attr.S_IFMT) != Attr.S_IFDIR) {
            throw new FuseException(Errno.ENOTDIR);
        }
        return n;
    }

    Attr attr(Node n) {
        long size = n.target != null ? n.target.length() : n.data.length;
        return new Attr(n.ino, n.mode, n.nlink, 0, 0, 0, size, (size + 511) / 512, 4096, FuseTime.ofNanos(n.mtime),
            FuseTime.ofNanos(n.mtime), FuseTime.ofNanos(n.mtime));
    }

    Entry entry(Node n) {
        return new Entry(n.ino, 0, attr(n), TIMEOUT, TIMEOUT);
    }

    synchronized Node add(long parent, String name, int mode) {
        Node d = dir(parent);
        if (d.children.containsKey(name)) {
            throw new FuseException(Errno.EEXIST);
        }
        Node n = new Node(nextIno.getAndIncrement(), mode);
        nodes.put(n.ino, n);
        d.children.put(name, n.ino);
        return n;
    }

    /** Test helper: replaces a file's content behind the kernel's back. */
    synchronized void setContent(long ino, byte[] data) {
        node(ino).data = data.clone();
    }

    @Override
    public synchronized Entry lookup(FuseContext ctx, long parent, String name) {
        Long ino = dir(parent).children.get(name);
        if (ino == null) {
            throw new FuseException(Errno.ENOENT);
        }
        return entry(node(ino));
    }

    @Override
    public void forget(long ino, long nlookup) {
        forgets.addAndGet(nlookup);
    }

    @Override
    public synchronized AttrOut getattr(FuseContext ctx, long ino, long fh) {
        return new AttrOut(attr(node(ino)), TIMEOUT);
    }

    @Override
    public synchronized AttrOut setattr(FuseContext ctx, long ino, SetAttrIn in) {
        Node n = node(ino);
        if (in.hasMode()) {
            n.mode = (n.mode & Attr.S_IFMT) | (in.mode() & 07777);
        }
        if (in.hasSize()) {
            n.data = Arrays.copyOf(n.data, (int) in.size());
        }
        return new AttrOut(attr(n), TIMEOUT);
    }

    @Override
    public synchronized String readlink(FuseContext ctx, long ino) {
        return node(ino).target;
    }

    @Override
    public synchronized Entry symlink(FuseContext ctx, long parent, String name, String target) {
        Node n = add(parent, name, Attr.S_IFLNK | 0777);
        n.target = target;
        return entry(n);
    }

    @Override
    public synchronized Entry mknod(FuseContext ctx, long parent, String name, int mode, int rdev, int umask) {
        return entry(add(parent, name, mode));
    }

    @Override
    public synchronized Entry mkdir(FuseContext ctx, long parent, String name, int mode, int umask) {
        Node n = add(parent, name, Attr.S_IFDIR | (mode & 07777));
        n.nlink = 2;
        return entry(n);
    }

    @Override
    public synchronized void unlink(FuseContext ctx, long parent, String name) {
        Long ino = dir(parent).children.remove(name);
        if (ino == null) {
            throw new FuseException(Errno.ENOENT);
        }
        node(ino).nlink--;
    }

    @Override
    public synchronized void rmdir(FuseContext ctx, long parent, String name) {
        Node d = dir(parent);
        Long ino = d.children.get(name);
        if (ino == null) {
            throw new FuseException(Errno.ENOENT);
        }
        if (!dir(ino).children.isEmpty()) {
            throw new FuseException(Errno.ENOTEMPTY);
        }
        d.children.remove(name);
    }

    @Override
    public synchronized void rename(FuseContext ctx, long parent, String name, long newParent, String newName,
                                    int flags) {
        Node from = dir(parent), to = dir(newParent);
        Long ino = from.children.get(name);
        if (ino == null) {
            throw new FuseException(Errno.ENOENT);
        }
        if (flags != 0) {
            throw new FuseException(Errno.EINVAL);
        }
        from.children.remove(name);
        to.children.put(newName, ino);
    }

    @Override
    public synchronized Entry link(FuseContext ctx, long ino, long newParent, String newName) {
        Node n = node(ino);
        if (dir(newParent).children.putIfAbsent(newName, ino) != null) {
            throw new FuseException(Errno.EEXIST);
        }
        n.nlink++;
        return entry(n);
    }

    @Override
    public OpenOut open(FuseContext ctx, long ino, int flags) {
        Node n = node(ino);
        if ((flags & 01000) != 0) { // O_TRUNC: ours to do, since INIT agreed ATOMIC_O_TRUNC
            synchronized (this) {
                n.data = new byte[0];
            }
            return new OpenOut(ino, 0); // the kernel must drop its pages
        }
        return new OpenOut(ino, OpenOut.FOPEN_KEEP_CACHE); // page cache kept between opens
    }

    @Override
    public synchronized void read(FuseContext ctx, long ino, long fh, long offset, ByteBuffer dst) {
        Node n = node(ino);
        if (nameOf(ino).equals(BOOM)) {
            throw new IllegalStateException("boom: a bug in the file system");
        }
        if (offset < n.data.length) {
            dst.put(n.data, (int) offset, (int) Math.min(dst.remaining(), n.data.length - offset));
        }
    }

    private String nameOf(long ino) {
        for (Node d : nodes.values()) {
            for (var e : d.children.entrySet()) {
                if (e.getValue() == ino) {
                    return e.getKey();
                }
            }
        }
        return "";
    }

    @Override
    public synchronized int write(FuseContext ctx, long ino, long fh, long offset, ByteBuffer data, int writeFlags) {
        Node n = node(ino);
        int len = data.remaining();
        if (offset + len > n.data.length) {
            n.data = Arrays.copyOf(n.data, (int) (offset + len));
        }
        data.get(n.data, (int) offset, len);
        n.mtime = System.currentTimeMillis() * 1_000_000L;
        return len;
    }

    @Override
    public void flush(FuseContext ctx, long ino, long fh, long lockOwner) {
    }

    @Override
    public void release(FuseContext ctx, long ino, long fh, int flags, int releaseFlags, long lockOwner) {
    }

    @Override
    public void fsync(FuseContext ctx, long ino, long fh, boolean datasync) {
    }

    @Override
    public OpenOut opendir(FuseContext ctx, long ino, int flags) {
        dir(ino);
        return new OpenOut(ino, 0);
    }

    private synchronized List<Object[]> listing(long ino) {
        Node d = dir(ino);
        List<Object[]> all = new ArrayList<>();
        all.add(new Object[] {".", d});
        all.add(new Object[] {"..", d});
        d.children.forEach((k, v) -> all.add(new Object[] {k, node(v)}));
        return all;
    }

    @Override
    public void readdir(FuseContext ctx, long ino, long fh, long offset, DirBuffer out) {
        List<Object[]> all = listing(ino);
        for (int i = (int) offset; i < all.size(); i++) {
            Node n = (Node) all.get(i)[1];
            if (!out.add((String) all.get(i)[0], n.ino, n.mode, i + 1)) {
                break;
            }
        }
    }

    @Override
    public synchronized void readdirplus(FuseContext ctx, long ino, long fh, long offset, DirBuffer out) {
        List<Object[]> all = listing(ino);
        for (int i = (int) offset; i < all.size(); i++) {
            if (!out.addPlus((String) all.get(i)[0], entry((Node) all.get(i)[1]), i + 1)) {
                break;
            }
        }
    }

    @Override
    public void releasedir(FuseContext ctx, long ino, long fh, int flags) {
    }

    @Override
    public StatFs statfs(FuseContext ctx, long ino) {
        return new StatFs(1000, 500, 500, 100, 50, 4096, 255, 4096);
    }

    @Override
    public void access(FuseContext ctx, long ino, int mask) {
        node(ino);
    }

    @Override
    public synchronized CreateOut create(FuseContext ctx, long parent, String name, int mode, int umask, int flags) {
        Node n = add(parent, name, Attr.S_IFREG | (mode & 07777));
        return new CreateOut(entry(n), new OpenOut(n.ino, 0));
    }
}
