package io.crfs.protocol;

import io.crfs.format.Item;
import io.crfs.format.Key;
import java.util.List;

/**
 * Every message of protocol version 2 (docs/protocol.md). A message travels in a {@link Frame}
 * that adds the request id. Records hold their byte arrays without copying; senders must not
 * change an array after handing it over.
 */
public sealed interface Message {
    /** Wire type (the frame's type byte). */
    int type();

    int READ = 1;
    int WRITE = 2;

    // ---------------------------------------------------------------- client to server

    record Hello(int version, int uid, int gid, int[] groups, String client, long resumeSession) implements Message {
        public int type() { return 1; }
    }

    record Ping() implements Message {
        public int type() { return 2; }
    }

    /**
     * Up to {@code limit} items of [{@code min}, {@code max}] (one objectid, under a grant the
     * session holds), from {@code min} up or, with {@code backward}, from {@code max} down.
     */
    record Fetch(Key min, Key max, int limit, boolean backward) implements Message {
        public int type() { return 16; }
    }

    /** mode: {@link #READ} or {@link #WRITE}. */
    record Acquire(long tree, Key min, Key max, int mode) implements Message {
        public int type() { return 3; }
    }

    /**
     * toMode: 0 drop, 1 downgrade to READ. {@code open}: every inode in the grant's range this
     * client has open, as for {@link RevokeDone}.
     */
    record Release(long grantId, int toMode, List<Long> open) implements Message {
        public Release(long grantId, int toMode) {
            this(grantId, toMode, List.of());
        }

        public int type() { return 4; }
    }

    /**
     * {@code open}: every inode in the revoked grant's range this client has open (a file
     * description on it), at the moment it gave the grant up. The server keeps them until the
     * client's next answer for that range, and tells whoever is granted an inode that another
     * client has it open ({@link Granted#openElsewhere}), so that the last name's removal leaves
     * an orphan instead of deleting a file someone still reads.
     */
    record RevokeDone(long revokeId, List<Long> open) implements Message {
        public RevokeDone(long revokeId) {
            this(revokeId, List.of());
        }

        public int type() { return 5; }
    }

    /**
     * Edits in order; {@code opEnds} are the indexes just past each operation's last edit
     * (strictly increasing, the last one {@code edits.size()}): the server applies whole
     * operations only, so it may split a batch between them when space runs short.
     */
    record Batch(List<Edit> edits, int[] opEnds) implements Message {
        /** One operation. */
        public Batch(List<Edit> edits) {
            this(edits, edits.isEmpty() ? new int[0] : new int[] {edits.size()});
        }

        public int type() { return 6; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Batch b && edits.equals(b.edits) && java.util.Arrays.equals(opEnds, b.opEnds);
        }

        @Override
        public int hashCode() {
            return edits.hashCode() * 31 + java.util.Arrays.hashCode(opEnds);
        }

        @Override
        public String toString() {
            return "Batch[edits=" + edits + ", opEnds=" + java.util.Arrays.toString(opEnds) + "]";
        }
    }

    record ReadData(long ino, long offset, int length) implements Message {
        public int type() { return 7; }
    }

    record Fsync() implements Message {
        public int type() { return 8; }
    }

    record AllocInodes(int count) implements Message {
        public int type() { return 9; }
    }

    /** what: 3 SEEK_DATA, 4 SEEK_HOLE. */
    record Seek(long ino, long offset, int what) implements Message {
        public int type() { return 10; }
    }

    record StatFs() implements Message {
        public int type() { return 11; }
    }

    record Status() implements Message {
        public int type() { return 12; }
    }

    record Goodbye() implements Message {
        public int type() { return 13; }
    }

    /**
     * A POSIX record lock ({@code flock} false) or a flock(2) lock (true) on [start, end]
     * (end inclusive, 2^64-1 = to the end of the file) for {@code owner}, a client-chosen id
     * unique within the session. lockType: 0 F_RDLCK, 1 F_WRLCK, 2 F_UNLCK. With {@code block}
     * the reply waits until the lock is granted (or an UNLCK of the same owner cancels it).
     */
    record Lock(long ino, long owner, long start, long end, int lockType, boolean block, boolean flock)
            implements Message {
        public int type() { return 14; }
    }

    /** F_GETLK: which lock, if any, would block {@code lockType} on [start, end] for this owner. */
    record GetLock(long ino, long owner, long start, long end, int lockType, boolean flock) implements Message {
        public int type() { return 15; }
    }

    // ---------------------------------------------------------------- server to client

    record Welcome(long session, int leaseMillis, long transid) implements Message {
        public int type() { return 64; }
    }

    record Ok() implements Message {
        public int type() { return 65; }
    }

    record Error(ErrorCode code, String message) implements Message {
        public int type() { return 66; }
    }

    /**
     * {@code items} are every item of [{@code min}, {@code loaded}] but file extents; when
     * {@code loaded} is below {@code max}, the rest of the range is fetched on demand (FETCH).
     * {@code openElsewhere}: inodes of the range that other clients said they have open when they
     * last gave the range up (see {@link RevokeDone}).
     */
    record Granted(long grantId, int mode, Key min, Key max, List<Item> items, Key loaded, List<Long> openElsewhere)
            implements Message {
        public int type() { return 67; }
    }

    /** {@code items} are every item of [{@code from}, {@code to}] but file extents. */
    record Items(List<Item> items, Key from, Key to) implements Message {
        public int type() { return 77; }
    }

    record Data(byte[] data) implements Message {
        public int type() { return 68; }
    }

    /**
     * A DATA reply whose bytes were not copied out of the receive buffers they arrived in:
     * {@code data} is a slice of them, retained for the receiver, who releases it exactly once
     * when done (a {@code FrameDecoder} made to retain DATA gives these). Received only: the wire
     * form is {@link Data}'s, and {@link Codec#encode} refuses this record.
     */
    record DataSlice(io.netty.buffer.ByteBuf data) implements Message {
        public int type() { return Opcodes.DATA; }
    }

    /**
     * {@code spaceShort}: the volume is nearly full, so edits that need space should be sent one
     * operation at a time. {@code refused}: how many operations at the end of the batch did not
     * fit and were not applied (0 normally); then {@code inodes} is empty, and the client must
     * drop what it cached.
     */
    record Applied(long transid, List<Item> inodes, boolean spaceShort, int refused) implements Message {
        public int type() { return 69; }
    }

    record Inodes(long first, int count) implements Message {
        public int type() { return 70; }
    }

    /** toMode: 0 drop, 1 downgrade to READ. */
    record Revoke(long revokeId, long grantId, Key min, Key max, int toMode) implements Message {
        public int type() { return 71; }
    }

    record SeekResult(long offset) implements Message {
        public int type() { return 72; }
    }

    record Space(long total, long free, int blockSize) implements Message {
        public int type() { return 73; }
    }

    record StatusText(String text) implements Message {
        public int type() { return 74; }
    }

    record Pong() implements Message {
        public int type() { return 75; }
    }

    /** GETLK answer: the first conflicting lock, or lockType 2 (F_UNLCK) if there is none. */
    record LockInfo(int lockType, long start, long end, long session) implements Message {
        public int type() { return 76; }
    }
}
