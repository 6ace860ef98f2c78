package io.crfs.nio;

import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** Parsed open options (the checks {@code Files.newByteChannel} documents). */
record Options(boolean read, boolean write, boolean append, boolean create, boolean createNew,
               boolean truncate, boolean deleteOnClose, boolean sync, boolean follow) {

    static boolean follow(LinkOption... options) {
        for (LinkOption o : options) {
            if (o == LinkOption.NOFOLLOW_LINKS) {
                return false;
            }
        }
        return true;
    }

    static Options parse(Set<? extends OpenOption> options) {
        boolean read = false, write = false, append = false, create = false, createNew = false,
                truncate = false, deleteOnClose = false, sync = false, follow = true;
        for (OpenOption o : options) {
            if (o == null) {
                throw new NullPointerException("null open option");
            } else if (o == StandardOpenOption.READ) {
                read = true;
            } else if (o == StandardOpenOption.WRITE) {
                write = true;
            } else if (o == StandardOpenOption.APPEND) {
                append = true;
                write = true;
            } else if (o == StandardOpenOption.CREATE) {
                create = true;
            } else if (o == StandardOpenOption.CREATE_NEW) {
                createNew = true;
            } else if (o == StandardOpenOption.TRUNCATE_EXISTING) {
                truncate = true;
            } else if (o == StandardOpenOption.DELETE_ON_CLOSE) {
                deleteOnClose = true;
            } else if (o == StandardOpenOption.SYNC || o == StandardOpenOption.DSYNC) {
                sync = true;
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                follow = false;
            } else if (o != StandardOpenOption.SPARSE) {
                throw new UnsupportedOperationException("unsupported open option " + o);
            }
        }
        if (!write) {
            read = true;
            create = false;      // CREATE and CREATE_NEW are ignored when opening for reading only
            createNew = false;
            truncate = false;
        }
        if (append && read && options.contains(StandardOpenOption.READ)) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && truncate) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        return new Options(read && (options.contains(StandardOpenOption.READ) || !write), write, append,
                create, createNew, truncate, deleteOnClose, sync, follow && !createNew);
    }
}
