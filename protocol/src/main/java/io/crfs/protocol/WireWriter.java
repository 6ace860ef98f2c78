package io.crfs.protocol;

import io.crfs.format.Key;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian writes of the field encodings of docs/protocol.md. A value the wire cannot
 * carry (a mode out of range, a string over 65535 UTF-8 bytes, an unpaired surrogate) is the
 * sender's bug: it fails with IllegalArgumentException rather than being truncated, so the
 * encoder never produces a frame the peer's decoder would reject.
 */
final class WireWriter {
    private WireWriter() {}

    static IllegalArgumentException bad(String type, String field, String expected, Object got) {
        return new IllegalArgumentException(type + " " + field + ": expected " + expected + ", got " + got);
    }

    static void u8(ByteBuf out, String type, String field, int v) {
        if (v < 0 || v > 0xFF) {
            throw bad(type, field, "a u8", v);
        }
        out.writeByte(v);
    }

    static void u16(ByteBuf out, String type, String field, int v) {
        if (v < 0 || v > 0xFFFF) {
            throw bad(type, field, "a u16", v);
        }
        out.writeShortLE(v);
    }

    static void key(ByteBuf out, Key k) {
        out.writeLongLE(k.objectid()).writeByte(k.type()).writeLongLE(k.offset());
    }

    static void bytes(ByteBuf out, byte[] b) {
        out.writeIntLE(b.length).writeBytes(b);
    }

    static void string(ByteBuf out, String type, String field, String s) {
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw bad(type, field, "a string encodable as UTF-8", "unpaired surrogate (" + e.getMessage() + ")");
        }
        if (utf8.remaining() > 0xFFFF) {
            throw bad(type, field, "at most 65535 UTF-8 bytes", utf8.remaining());
        }
        out.writeShortLE(utf8.remaining()).writeBytes(utf8);
    }

    static void bool(ByteBuf out, boolean b) {
        out.writeByte(b ? 1 : 0);
    }
}
