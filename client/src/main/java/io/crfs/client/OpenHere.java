package io.crfs.client;

import io.crfs.format.Key;
import io.crfs.protocol.Message;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The inodes this client has open (a file description on them, as {@code PosixFs} counts them).
 * Every grant this client gives up, to a revoke or on its own, tells crfsd which of them lie in
 * its range, so that another client that then removes such a file's last name leaves it an
 * orphan for us to delete at our last close, as the kernel does with a file unlinked while open.
 */
final class OpenHere {
    private final ConcurrentSkipListSet<Long> inodes = new ConcurrentSkipListSet<>(Long::compareUnsigned);

    void opened(long ino, boolean open) {
        if (open) {
            inodes.add(ino);
        } else {
            inodes.remove(ino);
        }
    }

    /** The open inodes among the objectids of [min, max]. */
    List<Long> in(Key min, Key max) {
        return List.copyOf(inodes.subSet(min.objectid(), true, max.objectid(), true));
    }

    /** RELEASE of a whole grant, with what it covers that is open here. */
    Message.Release release(Grants.Held h) {
        return new Message.Release(h.id(), 0, in(h.min(), h.max()));
    }
}
