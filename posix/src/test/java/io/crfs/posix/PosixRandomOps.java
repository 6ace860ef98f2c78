package io.crfs.posix;

import io.crfs.format.ItemStore;
import io.crfs.format.Timespec;
import io.crfs.posix.PosixModel.Node;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Seeded random operations on a small name space, checked against {@link PosixModel} (H2's
 * TestRandomMapOps pattern): every operation's outcome, errno included, is predicted by the
 * model, and the whole tree (readdir, getattr, read, xattrs, link counts, leftover items) is
 * compared after every commit. A failure names the seed and the operation number.
 *
 * <p>Reusable over any store: {@code new PosixRandomOps(storeSupplier, seed, ops, commit).run()}.
 * The supplier is asked for the store at the start and again after each commit; if it returns
 * a different store (a reopen), open handles are treated as lost in a crash and
 * {@link PosixFs#recoverOrphans()} must clean them up.
 */
public final class PosixRandomOps {
    /** Short names, two whose DIR_ITEM hashes collide, and one of the maximum length. */
    private final String[] NAMES = names(Integer.getInteger("crfs.random.extraNames", 0));
    /** Xattr names, two of them colliding on the XATTR_ITEM hash. */
    private static final String[] XATTRS = xattrs();
    private static final int MAX_DEPTH = 3;
    private static final int MAX_FILE = 1 << 20;
    private static final Caller ROOT = Caller.ROOT;

    private final Supplier<ItemStore> stores;
    private final long seed;
    private final int ops;
    private final Runnable commit;
    private final Random rnd;
    private final TestClock clock = new TestClock(Instant.parse("2026-03-04T05:06:07.089Z"));
    private final Timespec t0 = Timespec.of(clock.instant());
    private ItemStore store;
    private PosixFs fs;
    private PosixModel model;
    /** Open handles (a node may be open several times). */
    private final List<Node> handles = new ArrayList<>();
    private String op = "setup";
    /** Outcome counts per operation ("rename EXDEV" ...), printed at the end to show coverage. */
    private final java.util.TreeMap<String, Integer> stats = new java.util.TreeMap<>();

    /** The base pool plus {@code extra} more names (bigger trees: -Dcrfs.random.extraNames=N). */
    private static String[] names(int extra) {
        byte[][] c = ContractBase.collidingNames("n");
        List<String> out = new ArrayList<>(List.of("a", "b", "c", "d", new String(c[0], StandardCharsets.UTF_8),
            new String(c[1], StandardCharsets.UTF_8), "L".repeat(255)));
        for (int i = 0; i < extra; i++) {
            out.add("extra-name-" + i);
        }
        return out.toArray(new String[0]);
    }

    private static String[] xattrs() {
        byte[][] c = ContractBase.collidingNames("user.x");
        return new String[] {"user.a", new String(c[0], StandardCharsets.UTF_8), new String(c[1], StandardCharsets.UTF_8),
            "trusted.c"};
    }

    public PosixRandomOps(Supplier<ItemStore> stores, long seed, int ops, Runnable commit) {
        this.stores = stores;
        this.seed = seed;
        this.ops = ops;
        this.commit = commit;
        this.rnd = new Random(seed);
    }

    /** Seed and count from {@code crfs.random.seed} / {@code crfs.random.ops}, else the given defaults. */
    public static PosixRandomOps fromProperties(Supplier<ItemStore> stores, long defaultSeed, int defaultOps, Runnable commit) {
        long seed = Long.getLong("crfs.random.seed", defaultSeed);
        int ops = Integer.getInteger("crfs.random.ops", defaultOps);
        return new PosixRandomOps(stores, seed, ops, commit);
    }

    public void run() {
        store = stores.get();
        fs = new PosixFs(store, clock);
        fs.initRoot(0755, 0, 0);
        Attr r = fs.getattr(PosixFs.ROOT);
        Node root = new Node(PosixModel.S_IFMT & r.mode(), r.mode() & 07777, r.atime());
        root.mtime = r.mtime();
        root.ino = PosixFs.ROOT;
        model = new PosixModel(root);
        int nextCommit = 1 + rnd.nextInt(200);
        for (int i = 1; i <= ops; i++) {
            try {
                step();
                if (i == nextCommit || i == ops) {
                    op = "commit and compare";
                    commitAndCompare();
                    nextCommit = i + 1 + rnd.nextInt(200);
                }
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed=" + seed + ", op #" + i + " (" + op + "): " + e.getMessage(), e);
            }
        }
        try {
            op = "final release";
            while (!handles.isEmpty()) {
                release(handles.size() - 1);
            }
            commitAndCompare();
            System.out.println("PosixRandomOps seed=" + seed + " ops=" + ops + " outcomes " + stats);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed=" + seed + ", after the last op (" + op + "): " + e.getMessage(), e);
        }
    }

    private void commitAndCompare() {
        commit.run();
        ItemStore s = stores.get();
        if (s != store) {
            store = s;
            fs = new PosixFs(store, clock);
            Set<Node> orphans = orphans();
            handles.clear();
            int recovered = fs.recoverOrphans();
            PosixModel.check(recovered == orphans.size(), "recovered " + recovered + " orphans, expected " + orphans.size());
        }
        model.compare(fs, store, orphans(), rnd);
    }

    private Set<Node> orphans() {
        Set<Node> out = new LinkedHashSet<>();
        for (Node n : handles) {
            if (model.links(n) == 0) {
                out.add(n);
            }
        }
        return out;
    }

    private void step() {
        List<Node> dirs = new ArrayList<>();
        List<Map.Entry<Node, String>> entries = new ArrayList<>();
        model.collect(model.root, dirs, entries);
        int k = rnd.nextInt(100);
        if (k < 10) {
            create(pick(dirs), name());
        } else if (k < 16) {
            mkdir(pick(dirs), name());
        } else if (k < 19) {
            symlinkOrFifo(pick(dirs), name());
        } else if (k < 34) {
            Node f = file(entries);
            if (f != null) {
                new DataOps(fs, rnd, t0).write(f, desc -> op = desc);
            }
        } else if (k < 42) {
            Node f = file(entries);
            if (f != null) {
                new DataOps(fs, rnd, t0).resize(f, desc -> op = desc);
            }
        } else if (k < 52) {
            rename(entries, dirs);
        } else if (k < 57) {
            link(entries, dirs);
        } else if (k < 64) {
            unlink(entries);
        } else if (k < 68) {
            rmdir(entries);
        } else if (k < 76) {
            new AttrOps(fs, rnd, t0).xattr(node(entries), desc -> op = desc);
        } else if (k < 82) {
            new AttrOps(fs, rnd, t0).chmodOrUtimens(node(entries), desc -> op = desc);
        } else if (k < 88) {
            Node f = file(entries);
            if (f != null && handles.size() < 8) {
                op = "open " + f.ino;
                fs.open(f.ino);
                handles.add(f);
            }
        } else if (k < 93) {
            if (!handles.isEmpty()) {
                release(rnd.nextInt(handles.size()));
            }
        } else {
            lookupMissing(pick(dirs));
        }
    }

    private <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    private String name() {
        return NAMES[rnd.nextInt(NAMES.length)];
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Node node(List<Map.Entry<Node, String>> entries) {
        if (entries.isEmpty() || rnd.nextInt(10) == 0) {
            return model.root;
        }
        Map.Entry<Node, String> e = pick(entries);
        return e.getKey().children.get(e.getValue());
    }

    /** A regular file: one with a name, or now and then an open orphan. */
    private Node file(List<Map.Entry<Node, String>> entries) {
        List<Node> files = new ArrayList<>();
        for (Map.Entry<Node, String> e : entries) {
            Node n = e.getKey().children.get(e.getValue());
            if (n.isReg()) {
                files.add(n);
            }
        }
        if (rnd.nextInt(8) == 0) {
            files.addAll(orphans());
        }
        return files.isEmpty() ? null : pick(files);
    }

    private static int depth(Node d) {
        int n = 0;
        for (Node x = d; x.parent != null; x = x.parent) {
            n++;
        }
        return n;
    }

    private Errno attempt(Runnable r) {
        try {
            r.run();
            return null;
        } catch (PosixException e) {
            return e.errno();
        }
    }

    private void expect(Errno expected, Errno got) {
        stats.merge(op.split(" ")[0] + " " + (got == null ? "ok" : got.name()), 1, Integer::sum);
        PosixModel.check(expected == got, "expected " + (expected == null ? "success" : expected) + ", got "
                + (got == null ? "success" : got));
    }

    private void create(Node dir, String n) {
        int mode = rnd.nextInt(010000);
        op = "create " + dir.ino + "/" + n + " mode " + Integer.toOctalString(mode);
        Errno want = dir.children.containsKey(n) ? Errno.EEXIST : null;
        Attr[] got = new Attr[1];
        expect(want, attempt(() -> got[0] = fs.create(ROOT, dir.ino, b(n), mode, true)));
        if (want == null) {
            Node f = new Node(0100000, mode, t0);
            f.ino = got[0].ino();
            add(dir, n, f);
        }
    }

    private void mkdir(Node dir, String n) {
        if (depth(dir) >= MAX_DEPTH) {
            return;
        }
        int mode = rnd.nextInt(010000);
        op = "mkdir " + dir.ino + "/" + n + " mode " + Integer.toOctalString(mode);
        Errno want = dir.children.containsKey(n) ? Errno.EEXIST : null;
        Attr[] got = new Attr[1];
        expect(want, attempt(() -> got[0] = fs.mkdir(ROOT, dir.ino, b(n), mode)));
        if (want == null) {
            int m = (mode & 01777) | (dir.mode & 02000);
            Node d = new Node(0040000, m, t0);
            d.ino = got[0].ino();
            d.parent = dir;
            add(dir, n, d);
        }
    }

    private void symlinkOrFifo(Node dir, String n) {
        boolean fifo = rnd.nextBoolean();
        byte[] target = b("target-" + rnd.nextInt(1000) + "/x".repeat(rnd.nextInt(3) == 0 ? rnd.nextInt(1500) : 1));
        op = (fifo ? "mkfifo " : "symlink ") + dir.ino + "/" + n;
        Errno want = dir.children.containsKey(n) ? Errno.EEXIST : null;
        Attr[] got = new Attr[1];
        expect(want, attempt(() -> got[0] = fifo ? fs.mknod(ROOT, dir.ino, b(n), 0010640, 0)
                : fs.symlink(ROOT, dir.ino, b(n), target)));
        if (want == null) {
            Node s = fifo ? new Node(0010000, 0640, t0) : new Node(0120000, 0777, t0);
            if (!fifo) {
                s.target = target;
            }
            s.ino = got[0].ino();
            add(dir, n, s);
        }
    }

    private void add(Node dir, String n, Node child) {
        dir.children.put(n, child);
        dir.mtime = t0;
    }

    private void rename(List<Map.Entry<Node, String>> entries, List<Node> dirs) {
        if (entries.isEmpty()) {
            return;
        }
        Map.Entry<Node, String> src = pick(entries);
        Node sd = src.getKey();
        String sn = rnd.nextInt(20) == 0 ? "zz" : src.getValue();
        Node dd = pick(dirs);
        String dn = name();
        int flags = switch (rnd.nextInt(7)) {
            case 0 -> PosixFs.RENAME_NOREPLACE;
            case 1 -> PosixFs.RENAME_EXCHANGE;
            default -> 0;
        };
        op = "rename " + sd.ino + "/" + sn + " -> " + dd.ino + "/" + dn + " flags " + flags;
        Errno want = RenameRules.expected(sd, sn, dd, dn, flags);
        expect(want, attempt(() -> fs.rename(ROOT, sd.ino, b(sn), dd.ino, b(dn), flags)));
        if (want == null) {
            RenameRules.apply(sd, sn, dd, dn, flags, t0);
        }
    }

    private void link(List<Map.Entry<Node, String>> entries, List<Node> dirs) {
        Node target = node(entries);
        if (rnd.nextInt(10) == 0 && !orphans().isEmpty()) {
            target = orphans().iterator().next();
        }
        Node f = target;
        Node dd = pick(dirs);
        String dn = name();
        op = "link " + f.ino + " -> " + dd.ino + "/" + dn;
        Errno want = dd.children.containsKey(dn) ? Errno.EEXIST
                : f.isDir() ? Errno.EPERM : model.links(f) == 0 ? Errno.ENOENT : null;
        expect(want, attempt(() -> fs.link(ROOT, f.ino, dd.ino, b(dn))));
        if (want == null) {
            add(dd, dn, f);
        }
    }

    private void unlink(List<Map.Entry<Node, String>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        Map.Entry<Node, String> e = pick(entries);
        Node d = e.getKey();
        String n = rnd.nextInt(20) == 0 ? "zz" : e.getValue();
        Node c = d.children.get(n);
        op = "unlink " + d.ino + "/" + n;
        Errno want = c == null ? Errno.ENOENT : c.isDir() ? Errno.EISDIR : null;
        expect(want, attempt(() -> fs.unlink(ROOT, d.ino, b(n))));
        if (want == null) {
            d.children.remove(n);
            d.mtime = t0;
        }
    }

    private void rmdir(List<Map.Entry<Node, String>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        List<Map.Entry<Node, String>> emptyDirs = new ArrayList<>();
        for (Map.Entry<Node, String> x : entries) {
            Node c = x.getKey().children.get(x.getValue());
            if (c.isDir() && c.children.isEmpty()) {
                emptyDirs.add(x);
            }
        }
        // Mostly empty directories, so that removals happen as often as refusals.
        Map.Entry<Node, String> e = !emptyDirs.isEmpty() && rnd.nextBoolean() ? pick(emptyDirs) : pick(entries);
        Node d = e.getKey();
        String n = e.getValue();
        Node c = d.children.get(n);
        op = "rmdir " + d.ino + "/" + n;
        Errno want = !c.isDir() ? Errno.ENOTDIR : !c.children.isEmpty() ? Errno.ENOTEMPTY : null;
        expect(want, attempt(() -> fs.rmdir(ROOT, d.ino, b(n))));
        if (want == null) {
            d.children.remove(n);
            d.mtime = t0;
        }
    }

    private void release(int i) {
        Node n = handles.remove(i);
        op = "release " + n.ino;
        fs.release(n.ino);
        if (!handles.contains(n) && model.links(n) == 0) {
            expect(Errno.ENOENT, attempt(() -> fs.getattr(n.ino)));
        }
    }

    private void lookupMissing(Node dir) {
        String n = name();
        op = "lookup " + dir.ino + "/" + n;
        Node c = dir.children.get(n);
        Attr[] got = new Attr[1];
        expect(c == null ? Errno.ENOENT : null, attempt(() -> got[0] = fs.lookup(ROOT, dir.ino, b(n))));
        PosixModel.check(c == null || got[0].ino() == c.ino, "lookup found the wrong inode");
        Attr found = fs.find(ROOT, dir.ino, b(n));
        PosixModel.check(c == null ? found == null : found != null && found.ino() == c.ino, "find disagrees with lookup");
        if (c != null && c.isReg() && c.data.length > 0) {
            int off = rnd.nextInt(c.data.length);
            int len = rnd.nextInt(c.data.length - off + 100);
            byte[] buf = new byte[len];
            int r = fs.read(c.ino, off, buf, 0, len);
            int want = Math.min(len, c.data.length - off);
            PosixModel.check(r == want && Arrays.equals(Arrays.copyOf(buf, r), Arrays.copyOfRange(c.data, off, off + r)),
                    "partial read of " + c.ino + " at " + off);
        }
    }

    static int maxFile() {
        return MAX_FILE;
    }

    static String[] xattrNames() {
        return XATTRS;
    }
}
