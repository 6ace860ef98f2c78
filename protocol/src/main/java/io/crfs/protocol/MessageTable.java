package io.crfs.protocol;

import io.netty.buffer.ByteBuf;
import java.lang.reflect.RecordComponent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The opcode table: for each frame type its name, record class, decoder and encoder, indexed by
 * the type byte. Like go-fuse's fuse/opcode.go it is sanity-checked when the class loads: every
 * record of {@link Message} has exactly one entry, names and types are unique, and each
 * record's {@code type()} equals its entry's wire number. A mismatch fails class init, so a
 * message added to {@link Message} without a codec cannot be sent or received by accident.
 */
final class MessageTable {
    /** One opcode; decoders read only the payload, the header is {@link Codec}'s. */
    record Entry<M extends Message>(int type, String name, Class<M> cls,
                                    Function<WireReader, M> decoder, BiConsumer<M, ByteBuf> encoder) {
        void encode(Message m, ByteBuf out) {
            encoder.accept(cls.cast(m), out);
        }
    }

    private static final Entry<?>[] BY_TYPE = new Entry<?>[256];

    static {
        List<Entry<?>> all = List.of(
                // client to server
                new Entry<>(Opcodes.HELLO, "HELLO", Message.Hello.class, RequestCodecs::hello, RequestCodecs::hello),
                RequestCodecs.empty(Opcodes.PING, "PING", Message.Ping.class, new Message.Ping()),
                new Entry<>(Opcodes.ACQUIRE, "ACQUIRE", Message.Acquire.class, RequestCodecs::acquire, RequestCodecs::acquire),
                new Entry<>(Opcodes.RELEASE, "RELEASE", Message.Release.class, RequestCodecs::release, RequestCodecs::release),
                new Entry<>(Opcodes.REVOKE_DONE, "REVOKE_DONE", Message.RevokeDone.class,
                        RequestCodecs::revokeDone, RequestCodecs::revokeDone),
                new Entry<>(Opcodes.BATCH, "BATCH", Message.Batch.class, EditCodec::batch, EditCodec::batch),
                new Entry<>(Opcodes.READ, "READ", Message.ReadData.class, RequestCodecs::read, RequestCodecs::read),
                RequestCodecs.empty(Opcodes.FSYNC, "FSYNC", Message.Fsync.class, new Message.Fsync()),
                new Entry<>(Opcodes.ALLOC_INODES, "ALLOC_INODES", Message.AllocInodes.class,
                        r -> new Message.AllocInodes(r.u32("count")), (m, out) -> out.writeIntLE(m.count())),
                new Entry<>(Opcodes.SEEK, "SEEK", Message.Seek.class, RequestCodecs::seek, RequestCodecs::seek),
                RequestCodecs.empty(Opcodes.STATFS, "STATFS", Message.StatFs.class, new Message.StatFs()),
                RequestCodecs.empty(Opcodes.STATUS, "STATUS", Message.Status.class, new Message.Status()),
                RequestCodecs.empty(Opcodes.GOODBYE, "GOODBYE", Message.Goodbye.class, new Message.Goodbye()),
                new Entry<>(Opcodes.LOCK, "LOCK", Message.Lock.class, RequestCodecs::lock, RequestCodecs::lock),
                new Entry<>(Opcodes.GETLK, "GETLK", Message.GetLock.class, RequestCodecs::getLock, RequestCodecs::getLock),
                new Entry<>(Opcodes.FETCH, "FETCH", Message.Fetch.class, RequestCodecs::fetch, RequestCodecs::fetch),
                // server to client
                new Entry<>(Opcodes.WELCOME, "WELCOME", Message.Welcome.class, ReplyCodecs::welcome, ReplyCodecs::welcome),
                RequestCodecs.empty(Opcodes.OK, "OK", Message.Ok.class, new Message.Ok()),
                new Entry<>(Opcodes.ERROR, "ERROR", Message.Error.class, ReplyCodecs::error, ReplyCodecs::error),
                new Entry<>(Opcodes.GRANTED, "GRANTED", Message.Granted.class, ReplyCodecs::granted, ReplyCodecs::granted),
                new Entry<>(Opcodes.DATA, "DATA", Message.Data.class,
                        r -> new Message.Data(r.bytes("data")), (m, out) -> WireWriter.bytes(out, m.data())),
                new Entry<>(Opcodes.APPLIED, "APPLIED", Message.Applied.class, ReplyCodecs::applied, ReplyCodecs::applied),
                new Entry<>(Opcodes.INODES, "INODES", Message.Inodes.class, ReplyCodecs::inodes, ReplyCodecs::inodes),
                new Entry<>(Opcodes.REVOKE, "REVOKE", Message.Revoke.class, ReplyCodecs::revoke, ReplyCodecs::revoke),
                new Entry<>(Opcodes.SEEK_RESULT, "SEEK_RESULT", Message.SeekResult.class,
                        r -> new Message.SeekResult(r.u64("offset")), (m, out) -> out.writeLongLE(m.offset())),
                new Entry<>(Opcodes.SPACE, "SPACE", Message.Space.class, ReplyCodecs::space, ReplyCodecs::space),
                new Entry<>(Opcodes.STATUS_TEXT, "STATUS_TEXT", Message.StatusText.class,
                        r -> new Message.StatusText(r.string("text")),
                        (m, out) -> WireWriter.string(out, "STATUS_TEXT", "text", m.text())),
                RequestCodecs.empty(Opcodes.PONG, "PONG", Message.Pong.class, new Message.Pong()),
                new Entry<>(Opcodes.LOCK_INFO, "LOCK_INFO", Message.LockInfo.class, RequestCodecs::lockInfo,
                        RequestCodecs::lockInfo),
                new Entry<>(Opcodes.ITEMS, "ITEMS", Message.Items.class, ReplyCodecs::itemsMessage, ReplyCodecs::itemsMessage));
        for (Entry<?> e : all) {
            if (e.type() < 0 || e.type() > 0xFF || BY_TYPE[e.type()] != null) {
                throw new IllegalStateException("opcode table: expected a free u8 type for " + e.name() + ", got " + e.type());
            }
            BY_TYPE[e.type()] = e;
        }
        check(all);
        if (!EditCodec.OPS_CHECKED) {
            throw new IllegalStateException("edit table: expected checked ops");
        }
    }

    private MessageTable() {}

    private static void check(List<Entry<?>> all) {
        Set<Class<?>> classes = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Entry<?> e : all) {
            if (!classes.add(e.cls()) || !names.add(e.name())) {
                throw new IllegalStateException("opcode table: expected one entry per record and name, got a second " + e.name());
            }
            int actual = sample(e.cls()).type();
            if (actual != e.type()) {
                throw new IllegalStateException("opcode table: expected " + e.cls().getSimpleName() + ".type() == "
                        + e.type() + " (" + e.name() + "), got " + actual);
            }
        }
        for (Class<?> c : Message.class.getPermittedSubclasses()) {
            if (!classes.contains(c) && c != Message.DataSlice.class) { // DATA as received, never encoded
                throw new IllegalStateException("opcode table: expected an entry for " + c.getSimpleName() + ", got none");
            }
        }
    }

    /** An instance built from default component values, only to ask it for its type(). */
    private static Message sample(Class<? extends Message> cls) {
        RecordComponent[] rc = cls.getRecordComponents();
        Class<?>[] types = new Class<?>[rc.length];
        Object[] args = new Object[rc.length];
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            args[i] = defaultValue(types[i]);
        }
        try {
            return cls.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("opcode table: cannot instantiate " + cls.getSimpleName(), e);
        }
    }

    private static Object defaultValue(Class<?> t) {
        if (t == boolean.class) {
            return Boolean.FALSE;
        }
        if (t == long.class) {
            return 0L;
        }
        if (t == int.class) {
            return 0;
        }
        return null;
    }

    /** The entry for a type byte, or null if version 1 defines no such type. */
    static Entry<?> byType(int type) {
        return type >= 0 && type < BY_TYPE.length ? BY_TYPE[type] : null;
    }

    static String name(int type) {
        Entry<?> e = byType(type);
        return e != null ? e.name() : "TYPE_" + type;
    }
}
