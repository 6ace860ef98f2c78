package io.crfs.volume;

import io.crfs.format.Item;
import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy-on-write B-tree of btrfs items (btrfs-format.md §4, §9.2, §9.3). Reads never COW;
 * every edit first makes the whole root-to-leaf path writable, then edits, splits (leaves by
 * bytes near the middle, nodes in halves), merges under-filled siblings, collapses a one-child
 * root and keeps parent keys equal to their child's first key.
 */
final class BTree {
    final long owner;
    private final BlockStore store;
    private long rootBytenr;
    private long rootGen;
    private int rootLevel;
    private boolean rootChanged;

    BTree(long owner, BlockStore store, long rootBytenr, long rootGen, int rootLevel) {
        this.owner = owner;
        this.store = store;
        this.rootBytenr = rootBytenr;
        this.rootGen = rootGen;
        this.rootLevel = rootLevel;
    }

    long rootBytenr() { return rootBytenr; }
    long rootGen() { return rootGen; }
    int rootLevel() { return rootLevel; }
    boolean rootChanged() { return rootChanged; }
    void clearRootChanged() { rootChanged = false; }
    void markRootChanged() { rootChanged = true; }

    private int leafCap() { return store.nodesize() - Block.HEADER; }
    private int maxPtrs() { return (store.nodesize() - Block.HEADER) / Block.PTR; }

    /** Largest payload one item may have. */
    int maxItemSize() { return leafCap() - Block.ITEM; }

    private Block root() {
        return store.read(rootBytenr, rootGen, rootLevel, owner);
    }

    private void setRoot(Block b) {
        rootBytenr = b.bytenr;
        rootGen = b.generation;
        rootLevel = b.level;
        rootChanged = true;
    }

    private Block child(Block node, int slot) {
        return store.read(node.ptrs[slot], node.gens[slot], node.level - 1, owner);
    }

    // ---------------------------------------------------------------- reads

    byte[] get(Key k) {
        Block b = root();
        while (!b.isLeaf()) {
            b = child(b, b.childSlot(k));
        }
        int s = b.search(k);
        return s >= 0 ? b.values[s] : null;
    }

    /** Read-only path to the leaf that would hold k. */
    private Path readPath(Key k) {
        Block b = root();
        Path p = new Path(b.level);
        while (true) {
            p.blocks[b.level] = b;
            if (b.isLeaf()) {
                int s = b.search(k);
                p.slots[0] = s >= 0 ? s : -s - 1;
                return p;
            }
            int s = b.childSlot(k);
            p.slots[b.level] = s;
            b = child(b, s);
        }
    }

    /** Visits items with min &lt;= key &lt;= max in order until the visitor returns false. */
    void forEach(Key min, Key max, ItemVisitor v) {
        Path p = readPath(min);
        while (true) {
            Block leaf = p.blocks[0];
            for (int i = p.slots[0]; i < leaf.n; i++) {
                if (leaf.keys[i].compareTo(max) > 0) {
                    return;
                }
                if (!v.visit(leaf.keys[i], leaf.values[i])) {
                    return;
                }
            }
            if (!nextLeaf(p)) {
                return;
            }
        }
    }

    /** Visits items with key &lt;= max and &gt;= min, greatest first, until the visitor returns false. */
    void forEachBackward(Key min, Key max, ItemVisitor v) {
        Path p = readPath(max);
        Block leaf = p.blocks[0];
        int s = leaf.search(max);
        int i = s >= 0 ? s : -s - 2;
        while (true) {
            leaf = p.blocks[0];
            for (; i >= 0; i--) {
                if (leaf.keys[i].compareTo(min) < 0) {
                    return;
                }
                if (!v.visit(leaf.keys[i], leaf.values[i])) {
                    return;
                }
            }
            if (!prevLeaf(p)) {
                return;
            }
            i = p.blocks[0].n - 1;
        }
    }

    List<Item> scan(Key min, Key max, int limit) {
        List<Item> out = new ArrayList<>();
        forEach(min, max, (k, val) -> {
            out.add(new Item(k, val));
            return out.size() < limit;
        });
        return out;
    }

    List<Item> scanBackward(Key min, Key max, int limit) {
        List<Item> out = new ArrayList<>();
        forEachBackward(min, max, (k, val) -> {
            out.add(new Item(k, val));
            return out.size() < limit;
        });
        return out;
    }

    private boolean nextLeaf(Path p) {
        int lvl = 1;
        while (lvl <= p.top && p.slots[lvl] + 1 >= p.blocks[lvl].n) {
            lvl++;
        }
        if (lvl > p.top) {
            return false;
        }
        p.slots[lvl]++;
        for (int l = lvl; l > 0; l--) {
            Block c = child(p.blocks[l], p.slots[l]);
            p.blocks[l - 1] = c;
            p.slots[l - 1] = 0;
        }
        return true;
    }

    private boolean prevLeaf(Path p) {
        int lvl = 1;
        while (lvl <= p.top && p.slots[lvl] == 0) {
            lvl++;
        }
        if (lvl > p.top) {
            return false;
        }
        p.slots[lvl]--;
        for (int l = lvl; l > 0; l--) {
            Block c = child(p.blocks[l], p.slots[l]);
            p.blocks[l - 1] = c;
            p.slots[l - 1] = c.n - 1;
        }
        p.slots[0] = Math.max(p.slots[0], 0);
        return true;
    }

    // ---------------------------------------------------------------- writes

    /** Path to the leaf for k with every block made writable (COW), top-down. */
    private Path cowPath(Key k) {
        Block r = root();
        if (!r.writable) {
            r = store.cow(r);
            setRoot(r);
        }
        Path p = new Path(r.level);
        Block b = r;
        while (true) {
            p.blocks[b.level] = b;
            if (b.isLeaf()) {
                int s = b.search(k);
                p.slots[0] = s;
                return p;
            }
            int s = b.childSlot(k);
            p.slots[b.level] = s;
            Block c = child(b, s);
            if (!c.writable) {
                c = store.cow(c);
                b.ptrs[s] = c.bytenr;
                b.gens[s] = c.generation;
            }
            b = c;
        }
    }

    /** Inserts or replaces. */
    void put(Key k, byte[] value) {
        if (value.length > maxItemSize()) {
            throw new IllegalArgumentException("item " + k + " of " + value.length + " bytes exceeds the maximum "
                    + maxItemSize());
        }
        Path p = cowPath(k);
        Block leaf = p.blocks[0];
        int s = p.slots[0];
        if (s >= 0) {
            leaf.setValue(s, value);
        } else {
            s = -s - 1;
            leaf.insertItem(s, k, value);
            if (s == 0) {
                fixKeys(p, 0);
            }
        }
        while (true) {
            leaf = p.blocks[0];
            if (leaf.dataBytes <= leafCap()) {
                return;
            }
            splitLeaf(p);
            p = cowPath(k);
            // the split may leave the other half over capacity only in pathological layouts; re-check both sides
            if (p.blocks[0].dataBytes <= leafCap()) {
                Path q = overflowingLeafNear(p);
                if (q == null) {
                    return;
                }
                p = q;
            }
        }
    }

    /** After a split, a sibling may still overflow (items of very different sizes); find it. */
    private Path overflowingLeafNear(Path p) {
        Block parent = p.top >= 1 ? p.blocks[1] : null;
        if (parent == null) {
            return null;
        }
        for (int d = -1; d <= 1; d += 2) {
            int s = p.slots[1] + d;
            if (s >= 0 && s < parent.n) {
                Block c = child(parent, s);
                if (c.writable && c.dataBytes > leafCap()) {
                    return cowPath(c.keys[0]);
                }
            }
        }
        return null;
    }

    /** Deletes the item; returns whether it existed. */
    boolean delete(Key k) {
        if (get(k) == null) {
            return false;
        }
        Path p = cowPath(k);
        Block leaf = p.blocks[0];
        int s = p.slots[0];
        leaf.remove(s);
        if (leaf.n > 0 && s == 0) {
            fixKeys(p, 0);
        }
        rebalance(p, 0);
        collapseRoot();
        return true;
    }

    /** Propagates the first key of p.blocks[level] into its ancestors while it is their slot 0. */
    private void fixKeys(Path p, int level) {
        Key first = p.blocks[level].keys[0];
        for (int l = level + 1; l <= p.top; l++) {
            Block parent = p.blocks[l];
            int s = p.slots[l];
            parent.keys[s] = first;
            if (s != 0) {
                return;
            }
        }
    }

    private void splitLeaf(Path p) {
        Block leaf = p.blocks[0];
        int total = leaf.dataBytes;
        int acc = 0;
        int m = 0;
        while (m < leaf.n - 1) {
            int sz = Block.ITEM + leaf.values[m].length;
            if (acc + sz > total / 2 && m > 0) {
                break;
            }
            acc += sz;
            m++;
        }
        if (acc > leafCap() && m > 1) {
            m--;
        }
        Block right = store.allocate(0, owner);
        for (int i = m; i < leaf.n; i++) {
            right.insertItem(right.n, leaf.keys[i], leaf.values[i]);
        }
        for (int i = leaf.n - 1; i >= m; i--) {
            leaf.remove(i);
        }
        insertSibling(p, 0, right);
    }

    /** Inserts a pointer to {@code right} just after p.blocks[level] in its parent, splitting upward. */
    private void insertSibling(Path p, int level, Block right) {
        Block left = p.blocks[level];
        if (level == p.top) {
            Block root = store.allocate(level + 1, owner);
            root.insertPtr(0, left.keys[0], left.bytenr, left.generation);
            root.insertPtr(1, right.keys[0], right.bytenr, right.generation);
            setRoot(root);
            return;
        }
        Block parent = p.blocks[level + 1];
        int s = p.slots[level + 1];
        parent.insertPtr(s + 1, right.keys[0], right.bytenr, right.generation);
        if (parent.n > maxPtrs()) {
            int m = parent.n / 2;
            Block pr = store.allocate(parent.level, owner);
            for (int i = m; i < parent.n; i++) {
                pr.insertPtr(pr.n, parent.keys[i], parent.ptrs[i], parent.gens[i]);
            }
            for (int i = parent.n - 1; i >= m; i--) {
                parent.remove(i);
            }
            insertSibling(p, level + 1, pr);
        }
    }

    /** Removes empty blocks and merges an under-filled block with a sibling when both fit in one. */
    private void rebalance(Path p, int level) {
        if (level == p.top) {
            return;
        }
        Block b = p.blocks[level];
        Block parent = p.blocks[level + 1];
        int s = p.slots[level + 1];
        if (b.n == 0) {
            store.free(b);
            parent.remove(s);
            if (parent.n > 0 && s == 0) {
                fixKeys(p, level + 1);
            }
            rebalance(p, level + 1);
            return;
        }
        boolean under = b.isLeaf() ? b.dataBytes < leafCap() / 4 : b.n < maxPtrs() / 4;
        if (!under) {
            return;
        }
        if (s + 1 < parent.n && tryMerge(parent, s, b, child(parent, s + 1), p, level)) {
            rebalance(p, level + 1);
        } else if (s > 0) {
            Block left = child(parent, s - 1);
            if (tryMerge(parent, s - 1, left, b, p, level)) {
                rebalance(p, level + 1);
            }
        }
    }

    /** Moves everything of right into left (parent slots ls and ls+1) if it fits. */
    private boolean tryMerge(Block parent, int ls, Block left, Block right, Path p, int level) {
        boolean fits = left.isLeaf() ? left.dataBytes + right.dataBytes - 0 <= leafCap()
                : left.n + right.n <= maxPtrs();
        if (!fits) {
            return false;
        }
        if (!left.writable) {
            left = store.cow(left);
            parent.ptrs[ls] = left.bytenr;
            parent.gens[ls] = left.generation;
        }
        for (int i = 0; i < right.n; i++) {
            if (left.isLeaf()) {
                left.insertItem(left.n, right.keys[i], right.values[i]);
            } else {
                left.insertPtr(left.n, right.keys[i], right.ptrs[i], right.gens[i]);
            }
        }
        store.free(right);
        parent.remove(ls + 1);
        // the path now points at the parent slot of the merged block
        p.blocks[level] = left;
        p.slots[level + 1] = ls;
        return true;
    }

    private void collapseRoot() {
        Block r = root();
        while (!r.isLeaf() && r.n == 1) {
            Block c = child(r, 0);
            store.free(r);
            r = c;
            rootBytenr = c.bytenr;
            rootGen = c.generation;
            rootLevel = c.level;
            rootChanged = true;
        }
    }

    /** A root-to-leaf path; index = level. */
    static final class Path {
        final int top;
        final Block[] blocks;
        final int[] slots;

        Path(int top) {
            this.top = top;
            blocks = new Block[top + 1];
            slots = new int[top + 1];
        }
    }

    @FunctionalInterface
    interface ItemVisitor {
        boolean visit(Key key, byte[] value);
    }
}
