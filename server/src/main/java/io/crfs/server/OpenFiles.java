package io.crfs.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which sessions have which inodes open, as far as another client's removals need to know.
 *
 * <p>A client reports the inodes it has open in a range whenever it gives up a grant of that
 * range (REVOKE_DONE, RELEASE), and each report replaces what it said before for that range.
 * No other client can change an inode without first taking such a grant from every holder, so
 * whoever is granted an inode learns every other client that had it open at that moment
 * ({@link #elsewhere}), and a removal of its last name leaves an orphan instead of deleting
 * a file someone still reads. A client that closes a file keeps its entry until it next gives
 * the range up: the list may name a client that no longer has the file open (the orphan then
 * waits until that client ends its session, or for the server's next start), never miss one
 * that does.
 *
 * <p>Thread-safe: reports come on the event loops, queries on the volume thread.
 */
final class OpenFiles {
    /** Inode → sessions that have it open, in unsigned inode order (as grants range over objectids). */
    private final TreeMap<Long, Set<Long>> open = new TreeMap<>(Long::compareUnsigned);

    /** Session {@code session} has exactly {@code inodes} open among objectids {@code min..max}; others outside are ignored. */
    synchronized void report(long session, long min, long max, List<Long> inodes) {
        var range = open.subMap(min, true, max, true);
        range.values().removeIf(s -> s.remove(session) && s.isEmpty());
        for (long ino : inodes) {
            if (Long.compareUnsigned(ino, min) >= 0 && Long.compareUnsigned(ino, max) <= 0) {
                open.computeIfAbsent(ino, k -> new HashSet<>(2)).add(session);
            }
        }
    }

    /** Inodes among objectids {@code min..max} that sessions other than {@code session} have open. */
    synchronized List<Long> elsewhere(long session, long min, long max) {
        List<Long> out = List.of();
        for (Map.Entry<Long, Set<Long>> e : open.subMap(min, true, max, true).entrySet()) {
            Set<Long> s = e.getValue();
            if (s.size() > 1 || !s.contains(session)) {
                if (out.isEmpty()) {
                    out = new ArrayList<>();
                }
                out.add(e.getKey());
            }
        }
        return out;
    }

    /**
     * The inode was deleted (a client found nobody else had it open): what the sessions said of
     * it goes, so that the list does not keep every file ever unlinked while open elsewhere.
     */
    synchronized void deleted(long ino) {
        open.remove(ino);
    }

    /**
     * The session ended: nothing is open through it any more. Returns the inodes it was the last
     * to have open (orphans among them are nobody's to delete now: {@link OrphanSweeper}).
     */
    synchronized List<Long> forget(long session) {
        List<Long> last = new ArrayList<>();
        open.entrySet().removeIf(e -> {
            boolean gone = e.getValue().remove(session) && e.getValue().isEmpty();
            if (gone) {
                last.add(e.getKey());
            }
            return gone;
        });
        return last;
    }

    /** How many inodes some session has open (status). */
    synchronized int size() {
        return open.size();
    }
}
