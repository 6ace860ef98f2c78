package io.crfs.volume;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Logical-to-physical mapping: every chunk by logical start. */
final class ChunkMap {
    private final TreeMap<Long, Chunk> chunks = new TreeMap<>(Long::compareUnsigned);

    void add(Chunk c) {
        chunks.put(c.logical(), c);
    }

    void remove(Chunk c) {
        chunks.remove(c.logical());
    }

    Chunk find(long logical) {
        Map.Entry<Long, Chunk> e = chunks.floorEntry(logical);
        return e != null && e.getValue().contains(logical) ? e.getValue() : null;
    }

    /** Physical addresses of every copy of [logical, logical+len); the range must lie in one chunk. */
    long[] physical(long logical, long len) throws VolumeException {
        Chunk c = find(logical);
        if (c == null || !c.contains(logical + len - 1)) {
            throw new VolumeException("logical range [" + logical + ", +" + len + ") is not inside one chunk");
        }
        long[] p = new long[c.physical().length];
        for (int i = 0; i < p.length; i++) {
            p[i] = c.physical()[i] + (logical - c.logical());
        }
        return p;
    }

    Collection<Chunk> all() {
        return chunks.values();
    }

    long logicalEnd() {
        return chunks.isEmpty() ? 0 : chunks.lastEntry().getValue().end();
    }

    /** Physical ranges [start, end) used by stripes, sorted. */
    List<long[]> physicalExtents() {
        List<long[]> out = new ArrayList<>();
        for (Chunk c : chunks.values()) {
            for (long p : c.physical()) {
                out.add(new long[] {p, p + c.length()});
            }
        }
        out.sort((a, b) -> Long.compare(a[0], b[0]));
        return out;
    }
}
