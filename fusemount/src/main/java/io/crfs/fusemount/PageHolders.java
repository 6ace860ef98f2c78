package io.crfs.fusemount;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inodes with a FUSE READ or WRITE being served here. The kernel keeps the pages such a
 * request covers locked until it is answered, so dropping that inode's pages waits for it; and
 * it may itself wait for a grant that waits for a revoke we are answering (see {@link Mounts}).
 */
final class PageHolders {
    private final ConcurrentHashMap<Long, Integer> serving = new ConcurrentHashMap<>();

    void enter(long ino) {
        serving.merge(ino, 1, Integer::sum);
    }

    void exit(long ino) {
        serving.computeIfPresent(ino, (k, n) -> n > 1 ? n - 1 : null);
    }

    /** Whether a READ or WRITE of one of {@code inos} (sorted ascending) is being served. */
    boolean anyOf(List<Long> inos) {
        for (Long ino : serving.keySet()) { // a few at most, against a revoked range's thousands
            if (java.util.Collections.binarySearch(inos, ino) >= 0) {
                return true;
            }
        }
        return false;
    }
}
