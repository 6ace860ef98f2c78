package io.crfs.protocol;

import io.crfs.protocol.Message.Acquire;
import io.crfs.protocol.Message.Hello;
import io.crfs.protocol.Message.ReadData;
import io.crfs.protocol.Message.Release;
import io.crfs.protocol.Message.RevokeDone;
import io.crfs.protocol.Message.Seek;
import io.netty.buffer.ByteBuf;

/**
 * Payload codecs of the client-to-server messages with fields (docs/protocol.md "Messages");
 * BATCH is {@link EditCodec}'s. Enumerated fields are checked on both sides: a value outside
 * its set is BAD_RANGE ("bad mode" in the error table), a READ over 16 MiB is TOO_BIG.
 */
final class RequestCodecs {
    private RequestCodecs() {}

    /** An entry for a message without payload; decoding returns the shared instance. */
    static <M extends Message> MessageTable.Entry<M> empty(int type, String name, Class<M> cls, M instance) {
        return new MessageTable.Entry<>(type, name, cls, r -> instance, (m, out) -> { });
    }

    // HELLO: version u16, uid u32, gid u32, groups list<u32>, client string, resume session u64

    static Hello hello(WireReader r) {
        int version = r.u16("version");
        int uid = r.u32("uid");
        int gid = r.u32("gid");
        int[] groups = new int[r.count("groups", 4)];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = r.u32("groups[" + i + "]");
        }
        String client = r.string("client");
        return new Hello(version, uid, gid, groups, client, r.u64("resume session"));
    }

    static void hello(Hello m, ByteBuf out) {
        WireWriter.u16(out, "HELLO", "version", m.version());
        out.writeIntLE(m.uid()).writeIntLE(m.gid()).writeIntLE(m.groups().length);
        for (int g : m.groups()) {
            out.writeIntLE(g);
        }
        WireWriter.string(out, "HELLO", "client", m.client());
        out.writeLongLE(m.resumeSession());
    }

    // ACQUIRE: tree u64, min key, max key, mode u8 (1 READ, 2 WRITE)

    static Acquire acquire(WireReader r) {
        long tree = r.u64("tree");
        var min = r.key("min");
        var max = r.key("max");
        int mode = r.u8("mode");
        if (!grantMode(mode)) {
            throw r.fail(ErrorCode.BAD_RANGE, "mode", "1 (READ) or 2 (WRITE)", mode);
        }
        return new Acquire(tree, min, max, mode);
    }

    static void acquire(Acquire m, ByteBuf out) {
        if (!grantMode(m.mode())) {
            throw WireWriter.bad("ACQUIRE", "mode", "1 (READ) or 2 (WRITE)", m.mode());
        }
        out.writeLongLE(m.tree());
        WireWriter.key(out, m.min());
        WireWriter.key(out, m.max());
        out.writeByte(m.mode());
    }

    // FETCH: min key, max key, limit u32 (1..MAX_FETCH), backward bool

    static Message.Fetch fetch(WireReader r) {
        var min = r.key("min");
        var max = r.key("max");
        int limit = r.u32("limit");
        boolean backward = r.bool("backward");
        if (min.objectid() != max.objectid() || min.compareTo(max) > 0) {
            throw r.fail(ErrorCode.BAD_RANGE, "max", "a key of min's objectid, not below " + min, max);
        }
        if (limit < 1 || limit > Opcodes.MAX_FETCH) {
            throw r.fail(ErrorCode.BAD_RANGE, "limit", "1.." + Opcodes.MAX_FETCH, Integer.toUnsignedLong(limit));
        }
        return new Message.Fetch(min, max, limit, backward);
    }

    static void fetch(Message.Fetch m, ByteBuf out) {
        WireWriter.key(out, m.min());
        WireWriter.key(out, m.max());
        out.writeIntLE(m.limit());
        WireWriter.bool(out, m.backward());
    }

    // RELEASE: grant id u64, to-mode u8 (0 drop, 1 READ), open list<u64>

    static Release release(WireReader r) {
        long grant = r.u64("grant id");
        int to = r.u8("to-mode");
        if (!toMode(to)) {
            throw r.fail(ErrorCode.BAD_RANGE, "to-mode", "0 (drop) or 1 (READ)", to);
        }
        return new Release(grant, to, inodes(r, "open"));
    }

    static void release(Release m, ByteBuf out) {
        if (!toMode(m.toMode())) {
            throw WireWriter.bad("RELEASE", "to-mode", "0 (drop) or 1 (READ)", m.toMode());
        }
        out.writeLongLE(m.grantId()).writeByte(m.toMode());
        inodes(out, m.open());
    }

    // REVOKE_DONE: revoke id u64, open list<u64>

    static RevokeDone revokeDone(WireReader r) {
        return new RevokeDone(r.u64("revoke id"), inodes(r, "open"));
    }

    static void revokeDone(RevokeDone m, ByteBuf out) {
        out.writeLongLE(m.revokeId());
        inodes(out, m.open());
    }

    /** A list of inode numbers: count u32, then each u64 (an inode number, not 0). */
    static java.util.List<Long> inodes(WireReader r, String field) {
        int n = r.count(field, 8);
        if (n == 0) {
            return java.util.List.of();
        }
        Long[] out = new Long[n];
        for (int i = 0; i < n; i++) {
            long ino = r.u64(field + "[" + i + "]");
            if (ino == 0) {
                throw r.fail(ErrorCode.BAD_RANGE, field + "[" + i + "]", "an inode number", 0);
            }
            out[i] = ino;
        }
        return java.util.List.of(out);
    }

    static void inodes(ByteBuf out, java.util.List<Long> inodes) {
        out.writeIntLE(inodes.size());
        for (long ino : inodes) {
            out.writeLongLE(ino);
        }
    }

    // READ: ino u64, offset u64, length u32 (at most 16 MiB)

    static ReadData read(WireReader r) {
        long ino = r.u64("ino");
        long offset = r.u64("offset");
        int length = r.u32("length");
        if (Integer.toUnsignedLong(length) > Opcodes.MAX_READ) {
            throw r.fail(ErrorCode.TOO_BIG, "length", "at most " + Opcodes.MAX_READ, Integer.toUnsignedLong(length));
        }
        return new ReadData(ino, offset, length);
    }

    static void read(ReadData m, ByteBuf out) {
        if (Integer.toUnsignedLong(m.length()) > Opcodes.MAX_READ) {
            throw WireWriter.bad("READ", "length", "at most " + Opcodes.MAX_READ, Integer.toUnsignedLong(m.length()));
        }
        out.writeLongLE(m.ino()).writeLongLE(m.offset()).writeIntLE(m.length());
    }

    // SEEK: ino u64, offset u64, what u8 (3 SEEK_DATA, 4 SEEK_HOLE)

    static Seek seek(WireReader r) {
        long ino = r.u64("ino");
        long offset = r.u64("offset");
        int what = r.u8("what");
        if (!seekWhat(what)) {
            throw r.fail(ErrorCode.BAD_RANGE, "what", "3 (SEEK_DATA) or 4 (SEEK_HOLE)", what);
        }
        return new Seek(ino, offset, what);
    }

    static void seek(Seek m, ByteBuf out) {
        if (!seekWhat(m.what())) {
            throw WireWriter.bad("SEEK", "what", "3 (SEEK_DATA) or 4 (SEEK_HOLE)", m.what());
        }
        out.writeLongLE(m.ino()).writeLongLE(m.offset()).writeByte(m.what());
    }

    // LOCK: ino u64, owner u64, start u64, end u64, type u8, wait bool, flock bool

    static Message.Lock lock(WireReader r) {
        long ino = r.u64("ino");
        long owner = r.u64("owner");
        long start = r.u64("start");
        long end = r.u64("end");
        int type = lockType(r, r.u8("type"));
        return new Message.Lock(ino, owner, start, end, type, r.bool("block"), r.bool("flock"));
    }

    static void lock(Message.Lock m, ByteBuf out) {
        checkLockType("LOCK", m.lockType());
        out.writeLongLE(m.ino()).writeLongLE(m.owner()).writeLongLE(m.start()).writeLongLE(m.end())
                .writeByte(m.lockType()).writeByte(m.block() ? 1 : 0).writeByte(m.flock() ? 1 : 0);
    }

    // GETLK: ino u64, owner u64, start u64, end u64, type u8, flock bool

    static Message.GetLock getLock(WireReader r) {
        long ino = r.u64("ino");
        long owner = r.u64("owner");
        long start = r.u64("start");
        long end = r.u64("end");
        int type = lockType(r, r.u8("type"));
        return new Message.GetLock(ino, owner, start, end, type, r.bool("flock"));
    }

    static void getLock(Message.GetLock m, ByteBuf out) {
        checkLockType("GETLK", m.lockType());
        out.writeLongLE(m.ino()).writeLongLE(m.owner()).writeLongLE(m.start()).writeLongLE(m.end())
                .writeByte(m.lockType()).writeByte(m.flock() ? 1 : 0);
    }

    // LOCK_INFO: type u8, start u64, end u64, session u64

    static Message.LockInfo lockInfo(WireReader r) {
        int type = lockType(r, r.u8("type"));
        return new Message.LockInfo(type, r.u64("start"), r.u64("end"), r.u64("session"));
    }

    static void lockInfo(Message.LockInfo m, ByteBuf out) {
        checkLockType("LOCK_INFO", m.lockType());
        out.writeByte(m.lockType()).writeLongLE(m.start()).writeLongLE(m.end()).writeLongLE(m.session());
    }

    private static int lockType(WireReader r, int type) {
        if (type > Opcodes.F_UNLCK) {
            throw r.fail(ErrorCode.BAD_RANGE, "type", "0 (F_RDLCK), 1 (F_WRLCK) or 2 (F_UNLCK)", type);
        }
        return type;
    }

    private static void checkLockType(String msg, int type) {
        if (type < 0 || type > Opcodes.F_UNLCK) {
            throw WireWriter.bad(msg, "type", "0 (F_RDLCK), 1 (F_WRLCK) or 2 (F_UNLCK)", type);
        }
    }

    // ---------------------------------------------------------------- value sets

    static boolean grantMode(int mode) {
        return mode == Message.READ || mode == Message.WRITE;
    }

    static boolean toMode(int mode) {
        return mode == Opcodes.TO_DROP || mode == Opcodes.TO_READ;
    }

    private static boolean seekWhat(int what) {
        return what == Opcodes.SEEK_DATA || what == Opcodes.SEEK_HOLE;
    }
}
