package io.crfs.posix;

import io.crfs.format.DirEntry;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.Timespec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The oracle of {@link PosixRandomOps}: a tree of nodes (one object per inode, shared by its
 * hard links) and a comparison of the whole tree with what a PosixFs reports.
 */
final class PosixModel {
    static final int S_IFMT = 0170000;

    /** One inode of the model. */
    static final class Node {
        final int fmt;
        long ino;
        int mode;
        byte[] data = new byte[0];
        byte[] target;
        Node parent;
        final LinkedHashMap<String, Node> children = new LinkedHashMap<>();
        final TreeMap<String, byte[]> xattrs = new TreeMap<>();
        Timespec atime;
        Timespec mtime;

        Node(int fmt, int mode, Timespec now) {
            this.fmt = fmt;
            this.mode = mode;
            this.atime = now;
            this.mtime = now;
        }

        boolean isDir() {
            return fmt == 0040000;
        }

        boolean isReg() {
            return fmt == 0100000;
        }

        void resize(long size) {
            data = Arrays.copyOf(data, (int) size);
        }
    }

    final Node root;

    PosixModel(Node root) {
        this.root = root;
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** True if a is dir d or one of its ancestors. */
    static boolean isAncestorOrSelf(Node a, Node d) {
        for (Node x = d; x != null; x = x.parent) {
            if (x == a) {
                return true;
            }
        }
        return false;
    }

    /** Every directory, and every (dir, name) entry, of the tree. */
    void collect(Node d, List<Node> dirs, List<Map.Entry<Node, String>> entries) {
        dirs.add(d);
        for (Map.Entry<String, Node> e : d.children.entrySet()) {
            entries.add(Map.entry(d, e.getKey()));
            if (e.getValue().isDir()) {
                collect(e.getValue(), dirs, entries);
            }
        }
    }

    int links(Node n) {
        int[] count = {0};
        countLinks(root, n, count);
        return count[0];
    }

    private void countLinks(Node d, Node n, int[] count) {
        for (Node c : d.children.values()) {
            if (c == n) {
                count[0]++;
            }
            if (c.isDir()) {
                countLinks(c, n, count);
            }
        }
    }

    /** Compares the whole tree; orphans are nodes still open after their last name went. */
    void compare(PosixFs fs, ItemStore store, Set<Node> orphans, java.util.Random rnd) {
        Map<Node, Integer> links = new IdentityHashMap<>();
        Map<Long, Node> byIno = new HashMap<>();
        compareDir(fs, root, root, links, byIno, rnd);
        for (Map.Entry<Node, Integer> e : links.entrySet()) {
            Attr a = fs.getattr(e.getKey().ino);
            check(a.nlink() == e.getValue(), "nlink of inode " + a.ino() + ": expected " + e.getValue() + ", got " + a.nlink());
        }
        Set<Long> live = new HashSet<>(byIno.keySet());
        for (Node o : orphans) {
            Attr a = fs.getattr(o.ino);
            check(a.nlink() == 0, "orphan " + o.ino + " has nlink " + a.nlink());
            compareNode(fs, o, a);
            live.add(o.ino);
        }
        // a networked store can only scan within one objectid: there btrfs check of the served
        // volume finds leftover items instead (-Dcrfs.random.noGlobalScan=true)
        if (!Boolean.getBoolean("crfs.random.noGlobalScan")) {
            compareItems(store, live, orphans);
        }
    }

    private void compareDir(PosixFs fs, Node d, Node parent, Map<Node, Integer> links, Map<Long, Node> byIno,
                            java.util.Random rnd) {
        Attr a = fs.getattr(d.ino);
        identity(byIno, d);
        check(a.isDir() && a.nlink() == 1, "directory " + d.ino + " attr " + a);
        long size = 0;
        for (String n : d.children.keySet()) {
            size += 2L * n.getBytes(StandardCharsets.UTF_8).length;
        }
        check(a.size() == size, "size of directory " + d.ino + ": expected " + size + ", got " + a.size());
        compareNode(fs, d, a);
        List<DirEntryInfo> got = new ArrayList<>();
        long cookie = 0;
        int batch = 1 + rnd.nextInt(20);
        while (true) {
            List<DirEntryInfo> part = fs.readdir(Caller.ROOT, d.ino, cookie, batch);
            if (part.isEmpty()) {
                break;
            }
            got.addAll(part);
            cookie = part.get(part.size() - 1).cookie();
        }
        List<String> names = new ArrayList<>();
        for (DirEntryInfo e : got) {
            names.add(s(e.name()));
        }
        List<String> expected = new ArrayList<>(List.of(".", ".."));
        expected.addAll(d.children.keySet());
        check(names.equals(expected), "readdir of " + d.ino + ": expected " + expected + ", got " + names);
        check(got.get(0).ino() == d.ino && got.get(1).ino() == parent.ino, "dot entries of " + d.ino);
        for (DirEntryInfo e : got.subList(2, got.size())) {
            Node c = d.children.get(s(e.name()));
            check(e.ino() == c.ino, "entry " + s(e.name()) + " in " + d.ino + ": expected ino " + c.ino + ", got " + e.ino());
            check(e.type() == DirEntry.typeOfMode(c.fmt), "type of entry " + s(e.name()));
            if (c.isDir()) {
                compareDir(fs, c, d, links, byIno, rnd);
            } else if (links.merge(c, 1, Integer::sum) == 1) {
                identity(byIno, c);
                compareNode(fs, c, fs.getattr(c.ino));
            }
        }
    }

    private static void identity(Map<Long, Node> byIno, Node n) {
        Node prev = byIno.putIfAbsent(n.ino, n);
        check(prev == null || prev == n, "inode " + n.ino + " stands for two different model nodes");
    }

    private static void compareNode(PosixFs fs, Node n, Attr a) {
        check(a.mode() == (n.fmt | n.mode), "mode of " + n.ino + ": expected " + Integer.toOctalString(n.fmt | n.mode)
                + ", got " + Integer.toOctalString(a.mode()));
        check(a.mtime().equals(n.mtime), "mtime of " + n.ino + ": expected " + n.mtime + ", got " + a.mtime());
        check(a.atime().equals(n.atime), "atime of " + n.ino + ": expected " + n.atime + ", got " + a.atime());
        if (n.isReg()) {
            check(a.size() == n.data.length, "size of " + n.ino + ": expected " + n.data.length + ", got " + a.size());
            byte[] got = new byte[n.data.length];
            int r = fs.read(n.ino, 0, got, 0, got.length);
            check(r == got.length && Arrays.equals(got, n.data), "content of " + n.ino + " differs (" + r + " bytes read)");
        }
        if (n.target != null) {
            check(Arrays.equals(fs.readlink(n.ino), n.target), "symlink target of " + n.ino);
            check(a.size() == n.target.length, "symlink size of " + n.ino);
        }
        TreeMap<String, byte[]> xs = new TreeMap<>();
        for (byte[] name : fs.listxattr(Caller.ROOT, n.ino)) {
            xs.put(s(name), fs.getxattr(Caller.ROOT, n.ino, name));
        }
        check(xs.keySet().equals(n.xattrs.keySet()), "xattrs of " + n.ino + ": expected " + n.xattrs.keySet() + ", got " + xs.keySet());
        for (Map.Entry<String, byte[]> e : n.xattrs.entrySet()) {
            check(Arrays.equals(e.getValue(), xs.get(e.getKey())), "xattr " + e.getKey() + " of " + n.ino);
        }
    }

    /** No items of dead inodes are left, and orphan items name exactly the open, unlinked inodes. */
    private static void compareItems(ItemStore store, Set<Long> live, Set<Node> orphans) {
        Key min = new Key(ObjectIds.FIRST_FREE, 0, 0);
        Key max = new Key(ObjectIds.LAST_FREE, 0, 0);
        Set<Long> seen = new HashSet<>();
        while (true) {
            List<Item> items = store.scan(min, max, 1024);
            if (items.isEmpty()) {
                break;
            }
            for (Item i : items) {
                long o = i.key().objectid();
                check(live.contains(o), "item " + i.key() + " belongs to no live inode");
                if (i.key().type() == ItemType.INODE_ITEM) {
                    seen.add(o);
                }
            }
            min = items.get(items.size() - 1).key().next();
        }
        check(seen.equals(live), "inode items " + seen.size() + " vs live inodes " + live.size());
        Set<Long> orphanItems = new HashSet<>();
        for (Item i : store.scan(Key.first(ObjectIds.ORPHAN), Key.last(ObjectIds.ORPHAN), Integer.MAX_VALUE)) {
            orphanItems.add(i.key().offset());
        }
        Set<Long> expected = new HashSet<>();
        for (Node o : orphans) {
            expected.add(o.ino);
        }
        check(orphanItems.equals(expected), "orphan items " + orphanItems + ", expected " + expected);
    }

    static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
