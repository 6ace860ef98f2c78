package io.crfs.volume;

/**
 * Allocation state of one block group (one chunk). {@code used} is what the group holds once
 * the running transaction commits (it feeds BLOCK_GROUP_ITEM.used and the free-space tree);
 * {@code avail} is what may be allocated now: the group minus used, pinned (freed in this
 * transaction but still referenced by the committed state) and superblock-mirror stripes.
 */
final class BlockGroup {
    final Chunk chunk;
    final RangeSet used = new RangeSet();
    final RangeSet avail = new RangeSet();
    final RangeSet excluded = new RangeSet();
    /** BLOCK_GROUP_ITEM.used as last written. */
    long itemUsed;
    /** The free-space tree no longer matches {@code used}. */
    boolean fstDirty;
    long cursor;

    BlockGroup(Chunk chunk) {
        this.chunk = chunk;
        this.cursor = chunk.logical();
        for (long mirror : Superblock.MIRRORS) {
            for (long p : chunk.physical()) {
                if (mirror >= p && mirror < p + chunk.length()) {
                    long l = chunk.logical() + ((mirror - p) / Chunk.STRIPE_LEN) * Chunk.STRIPE_LEN;
                    excluded.add(l, Math.min(l + Chunk.STRIPE_LEN, chunk.end()));
                }
            }
        }
    }

    long start() {
        return chunk.logical();
    }

    long end() {
        return chunk.end();
    }

    /** Recomputes {@code avail} from used and excluded (no pinned ranges: call between transactions). */
    void resetAvail() {
        avail.remove(start(), end());
        for (long[] g : used.gaps(start(), end())) {
            avail.add(g[0], g[1]);
        }
        for (long[] x : excluded.within(start(), end())) {
            avail.remove(x[0], x[1]);
        }
    }

    /** Free ranges as the free-space tree records them: not used, not a superblock stripe. */
    java.util.List<long[]> freeRanges() {
        RangeSet f = new RangeSet();
        for (long[] g : used.gaps(start(), end())) {
            f.add(g[0], g[1]);
        }
        for (long[] x : excluded.within(start(), end())) {
            f.remove(x[0], x[1]);
        }
        return f.within(start(), end());
    }

    /**
     * First-fit from the cursor: {@code len} bytes at an address aligned to {@code align}
     * relative to the group start, or -1.
     */
    long findFit(long len, long align) {
        long r = scan(cursor, end(), len, align);
        if (r < 0) {
            r = scan(start(), end(), len, align);
        }
        return r;
    }

    private long scan(long from, long to, long len, long align) {
        long[] fit = {-1};
        avail.walk(from, to, (gs, ge) -> {
            long a = start() + ((gs - start() + align - 1) / align) * align;
            if (a + len <= ge) {
                fit[0] = a;
                return true;
            }
            return false;
        });
        return fit[0];
    }

    /** Largest aligned available piece: {start, length}, or null. */
    long[] largest(long align) {
        long[] best = null;
        for (long[] g : avail.within(start(), end())) {
            long a = start() + ((g[0] - start() + align - 1) / align) * align;
            long l = (g[1] - a) / align * align;
            if (l > 0 && (best == null || l > best[1])) {
                best = new long[] {a, l};
            }
        }
        return best;
    }

    void take(long start, long len) {
        used.add(start, start + len);
        avail.remove(start, start + len);
        fstDirty = true;
        cursor = start + len;
    }
}
