package io.crfs.server;

import io.crfs.format.DirEntry;
import io.crfs.format.FormatException;
import io.crfs.format.InodeExtref;
import io.crfs.format.InodeItem;
import io.crfs.format.InodeRef;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import io.crfs.format.StoreException;
import io.crfs.posix.ItemRules;
import io.crfs.protocol.Edit;
import io.crfs.protocol.ErrorCode;
import io.crfs.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates a client's batch completely, then applies it to the volume (on the volume thread).
 * Validation: every edit lies in a range the session holds WRITE on; only fs-tree inode and
 * orphan items, never EXTENT_DATA (extent pointers are the server's); every item parses as its
 * type; data edits name inodes that exist at that point of the batch; and the cross-item rules
 * of {@link ItemRules} hold, on the items the batch would leave, for every inode it touches and
 * every inode its names and refs point at. A rejected batch changes nothing.
 */
final class BatchApplier {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchApplier.class);
    static final long MAX_FILE = Long.MAX_VALUE / 2;

    private final GrantTable grants;
    /** The volume's sector size, once known ({@link #sectorSize}). */
    private int sectorSize;

    BatchApplier(GrantTable grants) {
        this.grants = grants;
    }

    /** What a batch did: the touched inodes' INODE_ITEMs as they now are, or, if {@code refused} > 0, nothing. */
    record Result(List<Item> inodes, int refused) {}

    /**
     * Validates and applies. When the volume has no space for the whole batch, applies as many
     * of its first operations as fit (in pieces, each whole or not at all) and says how many of
     * the rest it refused.
     */
    Result apply(long session, ItemStore fs, List<Edit> edits, int[] opEnds) {
        Set<Long> touched = validate(session, fs, edits);
        int ss = sectorSize(fs);
        try {
            applyRange(fs, edits, 0, edits.size(), ss);
        } catch (StoreException x) {
            if (x.kind() != StoreException.Kind.NO_SPACE) {
                throw x;
            }
            int ops = opEnds.length < 2 ? 0 : applyOps(fs, edits, opEnds, 0, opEnds.length, ss);
            if (ops < opEnds.length || opEnds.length == 0) {
                LOG.debug("session {}: room for {} of {} operations ({})", session, ops, opEnds.length, x.getMessage());
                return new Result(List.of(), Math.max(1, opEnds.length - ops));
            }
        }
        if (LOG.isDebugEnabled()) {
            // a cheap self-check while debugging: what validation let through must hold on the volume
            List<String> after = ItemRules.check(fs, touched.stream().filter(ObjectIds::isInode).toList());
            if (!after.isEmpty()) {
                LOG.warn("session {}: batch passed validation but the "
                        + "volume now breaks rules: {}; edits {}", session, after, edits.stream().map(BatchApplier::describe).toList());
            }
        }
        List<Item> out = new ArrayList<>();
        for (long ino : touched) {
            Key k = new Key(ino, ItemType.INODE_ITEM, 0);
            byte[] v = fs.get(k);
            if (v != null) {
                out.add(new Item(k, v));
            }
        }
        return new Result(out, 0);
    }

    /**
     * About how many bytes of items an edit adds to the trees: the item with its header, for
     * data its extent items (one per 128 KiB) and checksums (4 bytes per 4 KiB); a deleted item
     * counts as a small one removed, so a batch of removals comes out negative.
     */
    private static long itemBytes(Edit e) {
        return switch (e) {
            case Edit.Put p -> 25 + p.value().length;
            case Edit.Delete d -> -64;
            case Edit.Write w -> 200 + (w.length() >> 17) * 200 + (w.length() >> 10);
            case Edit.Allocate a -> 200 + (a.length() >> 17) * 200;
            case Edit.Truncate t -> -64; // removes extents, if any
            case Edit.Punch p -> -64;
            case Edit.DropData d -> -64;
            case Edit.Clone c -> 200; // plus an item per extent it shares (applyRange counts them)
        };
    }

    /**
     * Applies operations {@code lo..hi-1} as two halves, each whole or, if it does not fit,
     * split again; returns how many applied, stopping at the first single operation that does
     * not fit.
     */
    private static int applyOps(ItemStore fs, List<Edit> edits, int[] ends, int lo, int hi, int ss) {
        int mid = (lo + hi) >>> 1;
        int first = applyPiece(fs, edits, ends, lo, mid, ss);
        return first < mid - lo ? first : first + applyPiece(fs, edits, ends, mid, hi, ss);
    }

    private static int applyPiece(ItemStore fs, List<Edit> edits, int[] ends, int lo, int hi, int ss) {
        try {
            applyRange(fs, edits, lo == 0 ? 0 : ends[lo - 1], ends[hi - 1], ss);
            return hi - lo;
        } catch (StoreException x) {
            if (x.kind() != StoreException.Kind.NO_SPACE) {
                throw x;
            }
            return hi - lo == 1 ? 0 : applyOps(fs, edits, ends, lo, hi, ss);
        }
    }

    /**
     * At most how much data space an edit takes: the whole sectors a write or an allocation
     * lands in, the partial sectors a punch zeroes or a truncate rewrites (each a copy), and a
     * sector for an inline file that becomes an extent. Short of the truth, a batch could run out
     * of space half-way where the store saw no need for a savepoint first, and the volume would
     * then refuse to commit, losing every batch since the last commit: fsstress on a small
     * volume did that with punches and truncates, once counted as needing nothing.
     */
    static long dataNeed(Edit e, int sectorSize) {
        return switch (e) {
            case Edit.Write w -> sectorsSpanned(w.offset(), w.length(), sectorSize) + sectorSize;
            case Edit.Allocate a -> sectorsSpanned(a.offset(), a.length(), sectorSize) + sectorSize;
            case Edit.Punch p -> 2L * sectorSize;
            case Edit.Truncate t -> 2L * sectorSize;
            case Edit.Put p -> 0;
            case Edit.Delete d -> 0;
            case Edit.DropData d -> 0;
            case Edit.Clone c -> 0; // shares the source's extents
        };
    }

    private static long sectorsSpanned(long offset, long length, int sectorSize) {
        if (length <= 0) {
            return 0;
        }
        long first = offset / sectorSize * sectorSize;
        return (offset + length + sectorSize - 1) / sectorSize * sectorSize - first;
    }

    /**
     * The volume's sector size, asked once: {@code space()} walks the chunks, which a batch, or
     * every piece of one split for space, should not pay for.
     */
    private int sectorSize(ItemStore fs) {
        if (sectorSize == 0) {
            sectorSize = fs.space().blockSize();
        }
        return sectorSize;
    }

    /** Applies edits {@code from..to-1} whole or not at all; {@code sectorSize} for their data estimate. */
    static void applyRange(ItemStore fs, List<Edit> all, int from, int to, int sectorSize) {
        List<Edit> edits = all.subList(from, to);
        long dataBytes = 0;
        long itemBytes = 0;
        int itemEdits = 0;
        for (Edit e : edits) {
            long data = switch (e) {
                case Edit.Write w -> w.length();
                case Edit.Allocate a -> a.length();
                default -> 0;
            };
            dataBytes += dataNeed(e, sectorSize);
            itemBytes += itemBytes(e);
            itemEdits += 1 + (int) Math.min(1 << 20, data >> 17); // an extent item per 128 KiB
            if (e instanceof Edit.Clone c) { // an extent item and a reference per source extent
                int pieces = 1 + fs.scan(new Key(c.src(), ItemType.EXTENT_DATA, c.srcOff()), // and one starting before
                        new Key(c.src(), ItemType.EXTENT_DATA, c.srcOff() + c.length()), Integer.MAX_VALUE).size();
                itemBytes += pieces * 120L;
                itemEdits += 2 * pieces;
            }
        }
        fs.atomically(dataBytes, itemBytes, itemEdits, () -> {
            for (Edit e : edits) {
                switch (e) {
                    case Edit.Put p -> fs.put(p.key(), serverFields(fs, p.key(), p.value()));
                    case Edit.Delete d -> fs.delete(d.key());
                    case Edit.Write w -> fs.write(w.ino(), w.offset(), w.data(), w.from(), w.length());
                    case Edit.Truncate t -> fs.truncate(t.ino(), t.size());
                    case Edit.Punch p -> fs.punchHole(p.ino(), p.offset(), p.length());
                    case Edit.Allocate a -> fs.allocate(a.ino(), a.offset(), a.length(), a.keepSize());
                    case Edit.DropData d -> fs.dropData(d.ino());
                    case Edit.Clone c -> fs.cloneRange(c.src(), c.srcOff(), c.dst(), c.dstOff(), c.length());
                }
            }
            return null;
        });
    }

    /**
     * For files and symlinks the data operations own size and nbytes (they know the extents);
     * a client's INODE_ITEM carries its estimate, so the server's values win.
     */
    private static byte[] serverFields(ItemStore fs, Key k, byte[] v) {
        if (k.type() != ItemType.INODE_ITEM) {
            return v;
        }
        byte[] cur = fs.get(k);
        InodeItem in = new InodeItem(v.clone());
        int type = in.mode() & 0170000;
        if (cur != null && (type == 0100000 || type == 0120000)) {
            InodeItem c = new InodeItem(cur);
            in.size(c.size()).nbytes(c.nbytes());
        } else if (cur == null && (type == 0100000 || type == 0120000)) {
            in.size(0).nbytes(0);
        }
        return in.bytes();
    }

    private Set<Long> validate(long session, ItemStore fs, List<Edit> edits) {
        OverlayView view = new OverlayView(fs);
        Set<Long> touched = new LinkedHashSet<>(); // every inode the batch changes (their items go back in the reply)
        int n = 0;
        for (Edit e : edits) {
            n++;
            switch (e) {
                case Edit.Put p -> {
                    checkKey(session, p.key(), n);
                    parse(p.key(), p.value(), n);
                    view.stage(p.key(), p.value());
                    touch(p.key(), touched);
                }
                case Edit.Delete d -> {
                    checkKey(session, d.key(), n);
                    view.unstage(d.key());
                    touch(d.key(), touched);
                }
                case Edit.Write w -> data(session, view, w.ino(), w.offset(), w.length(), n, touched);
                case Edit.Truncate t -> data(session, view, t.ino(), t.size(), 0, n, touched);
                case Edit.Punch p -> data(session, view, p.ino(), p.offset(), p.length(), n, touched);
                case Edit.Allocate a -> data(session, view, a.ino(), a.offset(), a.length(), n, touched);
                case Edit.DropData d -> {
                    need(session, d.ino(), n);
                    for (Item it : fs.scan(new Key(d.ino(), ItemType.EXTENT_DATA, 0),
                            new Key(d.ino(), ItemType.EXTENT_DATA, -1L), Integer.MAX_VALUE)) {
                        view.unstage(it.key()); // the server's extents go with the data
                    }
                    touched.add(d.ino());
                }
                case Edit.Clone c -> clone(session, view, c, n, touched);
            }
        }
        // the rules on the inodes whose items the batch changes or points at; data edits alone
        // change no item the rules look at (the server writes the extents itself)
        List<String> problems = ItemRules.checkChange(fs, view, view.over.navigableKeySet());
        if (!problems.isEmpty()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("session {} batch rejected: {}; edits {}", session, problems,
                        edits.stream().map(BatchApplier::describe).toList());
            }
            throw new ProtocolException(ErrorCode.CROSS_ITEM, "batch rejected: " + String.join("; ", problems));
        }
        return touched;
    }

    private static void touch(Key k, Set<Long> touched) {
        if (ObjectIds.isInode(k.objectid())) {
            touched.add(k.objectid());
        } else if (k.objectid() == ObjectIds.ORPHAN) {
            touched.add(k.offset());
        }
    }

    private void need(long session, long ino, int n) {
        if (!ObjectIds.isInode(ino)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "edit #" + n + " names objectid " + Long.toUnsignedString(ino)
                    + ", which is no inode");
        }
        if (!grants.covers(session, Key.first(ino), Grant.WRITE) || !grants.covers(session, Key.last(ino), Grant.WRITE)) {
            throw new ProtocolException(ErrorCode.NOT_HELD, "edit #" + n + " changes inode " + Long.toUnsignedString(ino)
                    + " without a WRITE grant on it");
        }
    }

    private void data(long session, OverlayView view, long ino, long offset, long length, int n, Set<Long> touched) {
        need(session, ino, n);
        if (offset < 0 || length < 0 || offset > MAX_FILE || length > MAX_FILE) {
            throw new ProtocolException(ErrorCode.TOO_BIG, "edit #" + n + ": range " + offset + "+" + length
                    + " is out of bounds");
        }
        if (view.get(new Key(ino, ItemType.INODE_ITEM, 0)) == null) {
            throw new ProtocolException(ErrorCode.STALE, "edit #" + n + " changes the data of inode "
                    + Long.toUnsignedString(ino) + ", which does not exist at that point of the batch");
        }
        touched.add(ino);
    }

    /**
     * A clone writes {@code dst} (a WRITE grant) and reads {@code src} (any grant): both regular
     * files at this point of the batch, offsets and length sector-aligned, the source range within
     * the source's size (rounded up to a sector), and not overlapping the destination in one file.
     */
    private void clone(long session, OverlayView view, Edit.Clone c, int n, Set<Long> touched) {
        data(session, view, c.dst(), c.dstOff(), c.length(), n, touched);
        if (!ObjectIds.isInode(c.src()) || !grants.covers(session, Key.first(c.src()), Grant.READ)
                || !grants.covers(session, Key.last(c.src()), Grant.READ)) {
            throw new ProtocolException(ErrorCode.NOT_HELD, "edit #" + n + " clones from inode "
                    + Long.toUnsignedString(c.src()) + " without a grant on it");
        }
        int align = ItemStore.CLONE_ALIGN;
        if (c.srcOff() < 0 || c.srcOff() > MAX_FILE || c.srcOff() % align != 0 || c.dstOff() % align != 0
                || c.length() % align != 0) {
            throw new ProtocolException(ErrorCode.BAD_RANGE, "edit #" + n + ": a clone of " + c.srcOff() + "+"
                    + c.length() + " to " + c.dstOff() + " is not in whole sectors of " + align);
        }
        byte[] si = view.get(new Key(c.src(), ItemType.INODE_ITEM, 0));
        byte[] di = view.get(new Key(c.dst(), ItemType.INODE_ITEM, 0));
        if (si == null || (new InodeItem(si).mode() & 0170000) != 0100000 || (new InodeItem(di).mode() & 0170000) != 0100000) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "edit #" + n + ": a clone needs two regular files");
        }
        long srcEnd = (new InodeItem(si).size() + align - 1) / align * align;
        if (c.srcOff() + c.length() > srcEnd || (c.src() == c.dst() && c.srcOff() < c.dstOff() + c.length()
                && c.dstOff() < c.srcOff() + c.length())) {
            throw new ProtocolException(ErrorCode.BAD_RANGE, "edit #" + n + ": a clone of " + c.srcOff() + "+"
                    + c.length() + " reaches past its source's end or overlaps its destination");
        }
    }

    private void checkKey(long session, Key k, int n) {
        if (k.type() == ItemType.EXTENT_DATA || k.type() == ItemType.EXTENT_CSUM) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "edit #" + n + " writes " + k
                    + ": file extents are written by the server only (send WRITE/TRUNCATE edits)");
        }
        boolean orphan = k.objectid() == ObjectIds.ORPHAN && k.type() == ItemType.ORPHAN_ITEM;
        if (!orphan && !ObjectIds.isInode(k.objectid())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "edit #" + n + " writes " + k
                    + ", outside the inodes of the fs tree");
        }
        if (!grants.covers(session, k, Grant.WRITE)) {
            throw new ProtocolException(ErrorCode.NOT_HELD, "edit #" + n + " writes " + k + " without a WRITE grant");
        }
    }

    private static void parse(Key k, byte[] v, int n) {
        try {
            switch (k.type()) {
                case ItemType.INODE_ITEM -> {
                    if (v.length != InodeItem.SIZE || k.offset() != 0) {
                        throw new FormatException("INODE_ITEM must be 160 bytes at offset 0, got " + v.length);
                    }
                }
                case ItemType.INODE_REF -> InodeRef.decodeAll(v);
                case ItemType.INODE_EXTREF -> InodeExtref.decodeAll(v);
                case ItemType.DIR_ITEM, ItemType.XATTR_ITEM -> DirEntry.decodeAll(v);
                case ItemType.DIR_INDEX -> {
                    if (DirEntry.decodeAll(v).size() != 1) {
                        throw new FormatException("DIR_INDEX must hold exactly one entry");
                    }
                }
                case ItemType.ORPHAN_ITEM -> {
                    if (v.length != 0) {
                        throw new FormatException("ORPHAN_ITEM must be empty, got " + v.length + " bytes");
                    }
                }
                default -> throw new FormatException("items of type " + ItemType.name(k.type()) + " are not accepted");
            }
        } catch (FormatException e) {
            throw new ProtocolException(ErrorCode.BAD_ITEM, "edit #" + n + " " + k + ": " + e.getMessage());
        } catch (StoreException e) {
            throw new ProtocolException(ErrorCode.BAD_ITEM, "edit #" + n + " " + k + ": " + e.getMessage());
        }
    }

    /** One edit in a debug line. */
    static String describe(Edit e) {
        return switch (e) {
            case Edit.Put p -> "put" + p.key() + (p.key().type() == ItemType.INODE_ITEM ? "size=" + new InodeItem(p.value()).size() : "");
            case Edit.Delete d -> "del" + d.key();
            default -> e.getClass().getSimpleName();
        };
    }
}
