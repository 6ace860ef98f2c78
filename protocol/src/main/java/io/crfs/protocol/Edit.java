package io.crfs.protocol;

import io.crfs.format.Key;

/** One edit of a BATCH (docs/protocol.md): item edits and file-data operations. */
public sealed interface Edit {
    int op();

    record Put(Key key, byte[] value) implements Edit {
        public int op() { return 1; }
    }

    record Delete(Key key) implements Edit {
        public int op() { return 2; }
    }

    /**
     * Writes {@code data[from, from + length)} at {@code offset} of inode {@code ino}. The array
     * may be longer than the bytes written (one of {@link DataBuffers}'), so its length says
     * nothing: use {@link #length}.
     */
    record Write(long ino, long offset, byte[] data, int from, int length) implements Edit {
        public Write {
            if (data != null) {
                java.util.Objects.checkFromIndexSize(from, length, data.length);
            }
        }

        public Write(long ino, long offset, byte[] data) {
            this(ino, offset, data, 0, data == null ? 0 : data.length);
        }

        public int op() { return 3; }
    }

    record Truncate(long ino, long size) implements Edit {
        public int op() { return 4; }
    }

    record Punch(long ino, long offset, long length) implements Edit {
        public int op() { return 5; }
    }

    record Allocate(long ino, long offset, long length, boolean keepSize) implements Edit {
        public int op() { return 6; }
    }

    record DropData(long ino) implements Edit {
        public int op() { return 7; }
    }

    /** copy_file_range as a reflink: [srcOff, srcOff + length) of src becomes [dstOff, ...) of dst (sector-aligned). */
    record Clone(long src, long srcOff, long dst, long dstOff, long length) implements Edit {
        public int op() { return 8; }
    }
}
