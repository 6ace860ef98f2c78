package io.crfs.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A set of disjoint half-open ranges [start, end) of non-negative longs, merged on insert. */
final class RangeSet {
    private final TreeMap<Long, Long> map = new TreeMap<>();
    private long total;

    void add(long start, long end) {
        if (start >= end) {
            return;
        }
        // a range that touches the one before it extends that one in place (a new value, not a
        // new entry): freeing a file's extents in order does this for each, and the tree keeps
        // its shape instead of losing and gaining an entry every time
        Map.Entry<Long, Long> lo = map.floorEntry(start);
        if (lo != null && lo.getValue() >= start) {
            start = lo.getKey();
            end = Math.max(end, lo.getValue());
            total -= lo.getValue() - lo.getKey();
        }
        while (true) {
            Map.Entry<Long, Long> hi = map.higherEntry(start);
            if (hi == null || hi.getKey() > end) {
                break;
            }
            end = Math.max(end, hi.getValue());
            total -= hi.getValue() - hi.getKey();
            map.remove(hi.getKey());
        }
        map.put(start, end);
        total += end - start;
    }

    void remove(long start, long end) {
        if (start >= end) {
            return;
        }
        Map.Entry<Long, Long> lo = map.lowerEntry(start);
        if (lo != null && lo.getValue() > start) {
            long le = lo.getValue();
            map.put(lo.getKey(), start);
            total -= le - start;
            if (le > end) {
                map.put(end, le);
                total += le - end;
                return;
            }
        }
        while (true) {
            Map.Entry<Long, Long> hi = map.ceilingEntry(start);
            if (hi == null || hi.getKey() >= end) {
                break;
            }
            map.remove(hi.getKey());
            total -= hi.getValue() - hi.getKey();
            if (hi.getValue() > end) {
                map.put(end, hi.getValue());
                total += hi.getValue() - end;
                break;
            }
        }
    }

    boolean intersects(long start, long end) {
        Map.Entry<Long, Long> lo = map.floorEntry(start);
        if (lo != null && lo.getValue() > start) {
            return true;
        }
        Long k = map.higherKey(start);
        return k != null && k < end;
    }

    boolean containsAll(long start, long end) {
        Map.Entry<Long, Long> lo = map.floorEntry(start);
        return lo != null && lo.getValue() >= end;
    }

    long total() {
        return total;
    }

    boolean isEmpty() {
        return map.isEmpty();
    }

    /** Ranges overlapping [start, end), clipped to it. */
    List<long[]> within(long start, long end) {
        List<long[]> out = new ArrayList<>();
        Map.Entry<Long, Long> lo = map.lowerEntry(start);
        if (lo != null && lo.getValue() > start) {
            out.add(new long[] {start, Math.min(end, lo.getValue())});
        }
        for (Map.Entry<Long, Long> e : map.subMap(start, true, end, false).entrySet()) {
            out.add(new long[] {e.getKey(), Math.min(end, e.getValue())});
        }
        return out;
    }

    /** Stops a {@link #walk} when it returns true. */
    interface RangeVisitor {
        boolean found(long start, long end);
    }

    /**
     * The ranges inside [start, end), clipped, in order, until {@code v} returns true; returns
     * whether it did. Builds no list: allocation walks only as far as its first fit.
     */
    boolean walk(long start, long end, RangeVisitor v) {
        Map.Entry<Long, Long> lo = map.lowerEntry(start);
        if (lo != null && lo.getValue() > start && v.found(start, Math.min(end, lo.getValue()))) {
            return true;
        }
        for (Map.Entry<Long, Long> e : map.subMap(start, true, end, false).entrySet()) {
            if (v.found(e.getKey(), Math.min(end, e.getValue()))) {
                return true;
            }
        }
        return false;
    }

    /** The complement of this set inside [start, end). */
    List<long[]> gaps(long start, long end) {
        List<long[]> out = new ArrayList<>();
        long at = start;
        for (long[] r : within(start, end)) {
            if (r[0] > at) {
                out.add(new long[] {at, r[0]});
            }
            at = Math.max(at, r[1]);
        }
        if (at < end) {
            out.add(new long[] {at, end});
        }
        return out;
    }

    RangeSet copy() {
        RangeSet c = new RangeSet();
        c.map.putAll(map);
        c.total = total;
        return c;
    }
}
