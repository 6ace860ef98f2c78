package io.crfs.protocol;

import io.crfs.format.Item;
import io.crfs.format.Key;
import io.crfs.protocol.Message.Applied;
import io.crfs.protocol.Message.Error;
import io.crfs.protocol.Message.Granted;
import io.crfs.protocol.Message.Inodes;
import io.crfs.protocol.Message.Revoke;
import io.crfs.protocol.Message.Space;
import io.crfs.protocol.Message.Welcome;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Payload codecs of the server-to-client messages with fields (docs/protocol.md "Messages"). */
final class ReplyCodecs {
    /** Smallest encoded item: key, then a bytes length of 0. */
    private static final int MIN_ITEM = Key.SIZE + 4;

    private ReplyCodecs() {}

    // WELCOME: session u64, lease ms u32, transid u64

    static Welcome welcome(WireReader r) {
        return new Welcome(r.u64("session"), r.u32("lease ms"), r.u64("transid"));
    }

    static void welcome(Welcome m, ByteBuf out) {
        out.writeLongLE(m.session()).writeIntLE(m.leaseMillis()).writeLongLE(m.transid());
    }

    // ERROR: code u16, message string

    static Error error(WireReader r) {
        int code = r.u16("code");
        ErrorCode ec = null;
        for (ErrorCode c : ErrorCode.values()) {
            if (c.code() == code) {
                ec = c;
            }
        }
        if (ec == null) {
            throw r.fail(ErrorCode.BAD_FRAME, "code", "an error code of 1.." + ErrorCode.values().length, code);
        }
        return new Error(ec, r.string("message"));
    }

    static void error(Error m, ByteBuf out) {
        out.writeShortLE(m.code().code());
        WireWriter.string(out, "ERROR", "message", m.message());
    }

    // GRANTED: grant id u64, mode u8, min key, max key, items list<(key, value bytes)>, loaded key,
    //          open elsewhere list<u64>

    static Granted granted(WireReader r) {
        long grant = r.u64("grant id");
        int mode = r.u8("mode");
        if (!RequestCodecs.grantMode(mode)) {
            throw r.fail(ErrorCode.BAD_RANGE, "mode", "1 (READ) or 2 (WRITE)", mode);
        }
        Key min = r.key("min");
        Key max = r.key("max");
        List<Item> items = items(r, "items");
        Key loaded = r.key("loaded");
        if (min.compareTo(max) > 0 || loaded.compareTo(min) < 0 || loaded.compareTo(max) > 0) {
            throw r.fail(ErrorCode.BAD_RANGE, "loaded", "a key in min..max " + min + ".." + max, loaded);
        }
        return new Granted(grant, mode, min, max, items, loaded, RequestCodecs.inodes(r, "open elsewhere"));
    }

    static void granted(Granted m, ByteBuf out) {
        if (!RequestCodecs.grantMode(m.mode())) {
            throw WireWriter.bad("GRANTED", "mode", "1 (READ) or 2 (WRITE)", m.mode());
        }
        out.writeLongLE(m.grantId()).writeByte(m.mode());
        WireWriter.key(out, m.min());
        WireWriter.key(out, m.max());
        items(out, m.items());
        WireWriter.key(out, m.loaded());
        RequestCodecs.inodes(out, m.openElsewhere());
    }

    // ITEMS: items list<(key, value bytes)>, from key, to key

    static Message.Items itemsMessage(WireReader r) {
        List<Item> items = items(r, "items");
        Key from = r.key("from");
        Key to = r.key("to");
        if (from.compareTo(to) > 0) {
            throw r.fail(ErrorCode.BAD_RANGE, "to", "a key not below from " + from, to);
        }
        for (Item i : items) {
            if (i.key().compareTo(from) < 0 || i.key().compareTo(to) > 0) {
                throw r.fail(ErrorCode.BAD_RANGE, "items", "keys in from..to " + from + ".." + to, i.key());
            }
        }
        return new Message.Items(items, from, to);
    }

    static void itemsMessage(Message.Items m, ByteBuf out) {
        items(out, m.items());
        WireWriter.key(out, m.from());
        WireWriter.key(out, m.to());
    }

    // APPLIED: transid u64, inodes list<(key, value bytes)>, space-short bool, refused u32

    static Applied applied(WireReader r) {
        long transid = r.u64("transid");
        List<Item> inodes = items(r, "inodes");
        boolean spaceShort = r.bool("space-short");
        return new Applied(transid, inodes, spaceShort, r.u32("refused"));
    }

    static void applied(Applied m, ByteBuf out) {
        out.writeLongLE(m.transid());
        items(out, m.inodes());
        WireWriter.bool(out, m.spaceShort());
        out.writeIntLE(m.refused());
    }

    // INODES: first u64, count u32

    static Inodes inodes(WireReader r) {
        return new Inodes(r.u64("first"), r.u32("count"));
    }

    static void inodes(Inodes m, ByteBuf out) {
        out.writeLongLE(m.first()).writeIntLE(m.count());
    }

    // REVOKE: revoke id u64, grant id u64, min key, max key, to-mode u8 (0 drop, 1 READ)

    static Revoke revoke(WireReader r) {
        long revoke = r.u64("revoke id");
        long grant = r.u64("grant id");
        Key min = r.key("min");
        Key max = r.key("max");
        int to = r.u8("to-mode");
        if (!RequestCodecs.toMode(to)) {
            throw r.fail(ErrorCode.BAD_RANGE, "to-mode", "0 (drop) or 1 (READ)", to);
        }
        return new Revoke(revoke, grant, min, max, to);
    }

    static void revoke(Revoke m, ByteBuf out) {
        if (!RequestCodecs.toMode(m.toMode())) {
            throw WireWriter.bad("REVOKE", "to-mode", "0 (drop) or 1 (READ)", m.toMode());
        }
        out.writeLongLE(m.revokeId()).writeLongLE(m.grantId());
        WireWriter.key(out, m.min());
        WireWriter.key(out, m.max());
        out.writeByte(m.toMode());
    }

    // SPACE: total u64, free u64, block size u32

    static Space space(WireReader r) {
        return new Space(r.u64("total"), r.u64("free"), r.u32("block size"));
    }

    static void space(Space m, ByteBuf out) {
        out.writeLongLE(m.total()).writeLongLE(m.free()).writeIntLE(m.blockSize());
    }

    // ---------------------------------------------------------------- list<(key, value bytes)>

    private static List<Item> items(WireReader r, String field) {
        int n = r.count(field, MIN_ITEM);
        List<Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            r.element(field, i);
            Key k = r.key("key");
            items.add(new Item(k, r.bytes("value")));
        }
        r.element(null, 0);
        return Collections.unmodifiableList(items);
    }

    private static void items(ByteBuf out, List<Item> items) {
        out.writeIntLE(items.size());
        for (Item it : items) {
            WireWriter.key(out, it.key());
            WireWriter.bytes(out, it.value());
        }
    }
}
