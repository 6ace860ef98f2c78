package io.crfs.server;

import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The items of part of one object for a client: at most a limit, file extents left out (clients
 * reach data through READ), and the range the answer covers whole: from the start of the walk
 * to the last item given when the limit cut it short, else all of it.
 */
final class ItemLister {
    /** About how many bytes of items one answer carries at most (frames hold 32 MiB). */
    static final long MAX_BYTES = 8L << 20;

    private ItemLister() {}

    /** Up to {@code limit} items of [min, max] (one objectid), walking up from min or down from max. */
    static Message.Items list(ItemStore fs, Key min, Key max, int limit, boolean backward) {
        return list(fs, min, max, limit, backward, MAX_BYTES);
    }

    static Message.Items list(ItemStore fs, Key min, Key max, int limit, boolean backward, long maxBytes) {
        long o = min.objectid();
        // the walk skips the object's file extents: below them, then above them
        Key extentsFirst = new Key(o, ItemType.EXTENT_DATA, 0);
        Key extentsLast = new Key(o, ItemType.EXTENT_DATA, -1L);
        List<Key[]> parts = new ArrayList<>(2);
        if (min.compareTo(extentsFirst) < 0) {
            parts.add(new Key[] {min, max.compareTo(extentsFirst) < 0 ? max : new Key(o, ItemType.EXTENT_DATA - 1, -1L)});
        }
        if (max.compareTo(extentsLast) > 0) {
            parts.add(new Key[] {min.compareTo(extentsLast) > 0 ? min : new Key(o, ItemType.EXTENT_DATA + 1, 0), max});
        }
        if (backward) {
            java.util.Collections.reverse(parts);
        }
        List<Item> out = new ArrayList<>();
        long bytes = 0;
        for (Key[] p : parts) {
            int want = limit - out.size();
            List<Item> got = backward ? fs.scanBackward(p[0], p[1], want) : fs.scan(p[0], p[1], want);
            boolean cut = got.size() == want;
            for (int i = 0; i < got.size(); i++) { // big xattrs: the answer must fit a frame
                bytes += 32 + got.get(i).value().length;
                if (bytes > maxBytes && i < got.size() - 1) {
                    got = got.subList(0, i + 1);
                    cut = true;
                }
            }
            out.addAll(got);
            if (cut) { // cut short: the answer covers up to its last item
                Key edge = got.get(got.size() - 1).key();
                if (backward) {
                    java.util.Collections.reverse(out);
                    return new Message.Items(out, edge, max);
                }
                return new Message.Items(out, min, edge);
            }
        }
        if (backward) {
            java.util.Collections.reverse(out);
        }
        return new Message.Items(out, min, max);
    }
}
