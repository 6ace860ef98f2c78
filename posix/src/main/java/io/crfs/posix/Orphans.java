package io.crfs.posix;

import io.crfs.format.InodeItem;
import io.crfs.format.Item;
import io.crfs.format.ItemStore;
import io.crfs.format.ItemType;
import io.crfs.format.Key;
import io.crfs.format.ObjectIds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Open-file reference counts and orphans. An inode whose last name goes away while it is open
 * (here, or on another client of a shared store: {@link ItemStore#openElsewhere}) keeps nlink 0
 * and gets an empty ORPHAN_ITEM (-5, 48, ino), as the kernel does; the last release, here or
 * there, deletes both. After a crash {@link #recover} deletes what the orphan items name.
 */
final class Orphans {
    private final ItemStore store;
    private final Inodes inodes;
    private final Map<Long, Integer> open = new HashMap<>();
    /** O_TMPFILE files open here, which linkat(2) may still give a first name. */
    private final java.util.Set<Long> linkable = new java.util.HashSet<>();

    Orphans(ItemStore store, Inodes inodes) {
        this.store = store;
        this.inodes = inodes;
    }

    static Key key(long ino) {
        return new Key(ObjectIds.ORPHAN, ItemType.ORPHAN_ITEM, ino);
    }

    boolean isOpen(long ino) {
        return open.containsKey(ino);
    }

    void open(long ino) {
        InodeItem it = inodes.load(ino);
        if (it.nlink() == 0 && !open.containsKey(ino)) {
            throw new PosixException(Errno.ENOENT, "inode " + Long.toUnsignedString(ino) + " has been deleted");
        }
        opened(ino);
    }

    /**
     * The first open of an O_TMPFILE file just made (nlink 0, its orphan item written): {@link
     * #isLinkable} until its last close, as the kernel lets linkat(2) name such a file, but not
     * one whose last name was removed.
     */
    void openNew(long ino) {
        linkable.add(ino);
        opened(ino);
    }

    boolean isLinkable(long ino) {
        return linkable.contains(ino);
    }

    /** An O_TMPFILE file got its first name: like any file, once it loses all names it cannot get one again. */
    void named(long ino) {
        linkable.remove(ino);
    }

    private void opened(long ino) {
        if (open.merge(ino, 1, Integer::sum) == 1) {
            store.opened(ino, true);
        }
    }

    void release(long ino) {
        Integer n = open.get(ino);
        if (n == null) {
            throw new PosixException(Errno.EBADF, "inode " + Long.toUnsignedString(ino) + " is not open");
        }
        if (n > 1) {
            open.put(ino, n - 1);
            return;
        }
        // the store may run this body again (ItemStore.operation), so the count changes last
        InodeItem it = inodes.find(ino);
        if (it != null && it.nlink() == 0 && !store.openElsewhere(ino)) {
            inodes.deleteAll(ino, it);
            store.delete(key(ino));
        }
        open.remove(ino);
        linkable.remove(ino);
        store.opened(ino, false);
    }

    /**
     * One name of the inode is gone (its entries are already removed): nlink - 1 and ctime, and
     * if that was the last name, delete the inode or, while it is open, leave it as an orphan.
     * A directory has nlink 1, so removing its one name is its last.
     */
    void dropLink(long ino, InodeItem it) {
        long nlink = Inodes.isDir(it.mode()) ? 0 : Math.max(0, it.nlink() - 1);
        it.nlink(nlink).ctime(inodes.now());
        if (nlink > 0) {
            inodes.save(ino, it);
        } else if (open.containsKey(ino) || store.openElsewhere(ino)) {
            inodes.save(ino, it);
            store.put(key(ino), new byte[0]);
        } else {
            inodes.deleteAll(ino, it);
        }
    }

    /**
     * Deletes inode {@code ino} if it is an orphan not open here: its ORPHAN_ITEM goes, and so
     * does the inode if its nlink is 0. Returns false, changing nothing, if there is no such
     * orphan item.
     */
    boolean deleteIfOrphan(long ino) {
        if (open.containsKey(ino) || store.get(key(ino)) == null) {
            return false;
        }
        dropOrphan(ino);
        return true;
    }

    /** Deletes an orphan item and, if its nlink is 0, its inode; returns whether the inode went. */
    private boolean dropOrphan(long ino) {
        InodeItem it = inodes.find(ino);
        boolean gone = it != null && it.nlink() == 0;
        if (gone) {
            inodes.deleteAll(ino, it);
        }
        store.delete(key(ino));
        return gone;
    }

    /** Deletes every inode an ORPHAN_ITEM names (left by a crash) and the orphan items; returns how many inodes. */
    int recover() {
        int n = 0;
        Key min = key(0);
        Key max = key(-1L);
        while (true) {
            List<Item> items = store.scan(min, max, 256);
            if (items.isEmpty()) {
                return n;
            }
            for (Item i : items) {
                long ino = i.key().offset();
                if (!open.containsKey(ino) && dropOrphan(ino)) {
                    n++;
                }
            }
            Key last = items.get(items.size() - 1).key();
            if (last.offset() == -1L) {
                return n;
            }
            min = last.next();
        }
    }
}
