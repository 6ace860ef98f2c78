package io.crfs.protocol;

import io.crfs.format.Key;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Validated little-endian reads of one frame's payload (docs/protocol.md "Field encodings").
 * Every read first checks that the field fits in what remains of the frame, so a short or
 * lying payload fails with BAD_FRAME instead of an IndexOutOfBoundsException, and no array
 * or list is allocated from a length or count before it is known to fit. Failures name the
 * message type and the field and carry the request id so the peer can be answered.
 */
final class WireReader {
    private final ByteBuf buf;
    private final String type;
    private final long requestId;

    WireReader(ByteBuf buf, String type, long requestId) {
        this.buf = buf;
        this.type = type;
        this.requestId = requestId;
    }

    String type() {
        return type;
    }

    int remaining() {
        return buf.readableBytes();
    }

    /** The list element being read ("edits", 3 names fields "edits[3] ..."); null for none. */
    private String list;
    private int index;

    /**
     * Names the fields read next as parts of {@code list[index]} (null: of no list). Field
     * names stay constants, and the element's name is built only if a read fails.
     */
    void element(String list, int index) {
        this.list = list;
        this.index = index;
    }

    ProtocolException fail(ErrorCode code, String field, String expected, Object got) {
        String name = list == null ? field : list + "[" + index + "] " + field;
        return new ProtocolException(code, type + " " + name + ": expected " + expected + ", got " + got, requestId);
    }

    private void need(String field, int size) {
        if (buf.readableBytes() < size) {
            throw fail(ErrorCode.BAD_FRAME, field, size + " more bytes", buf.readableBytes() + " left in the frame");
        }
    }

    int u8(String field) {
        need(field, 1);
        return buf.readUnsignedByte();
    }

    int u16(String field) {
        need(field, 2);
        return buf.readUnsignedShortLE();
    }

    /** A u32 carried bit for bit in an int (read it back with Integer.toUnsignedLong). */
    int u32(String field) {
        need(field, 4);
        return buf.readIntLE();
    }

    long u64(String field) {
        need(field, 8);
        return buf.readLongLE();
    }

    boolean bool(String field) {
        int v = u8(field);
        if (v > 1) {
            throw fail(ErrorCode.BAD_FRAME, field, "bool 0 or 1", v);
        }
        return v == 1;
    }

    Key key(String field) {
        need(field, Key.SIZE);
        long objectid = buf.readLongLE();
        int keyType = buf.readUnsignedByte();
        return new Key(objectid, keyType, buf.readLongLE());
    }

    /** {@code bytes}: u32 length, then that many bytes, copied out of the frame. */
    byte[] bytes(String field) {
        byte[] b = new byte[bytesLength(field)];
        buf.readBytes(b);
        return b;
    }

    /** Like {@link #bytes(String)}, but the bytes stay where they are: a retained slice of the frame. */
    ByteBuf retainedBytes(String field) {
        return buf.readRetainedSlice(bytesLength(field));
    }

    /** Reads the next {@code n} bytes into {@code dst[0, n)}. */
    void readInto(byte[] dst, int n) {
        buf.readBytes(dst, 0, n);
    }

    int bytesLength(String field) {
        if (buf.readableBytes() < 4) {
            throw fail(ErrorCode.BAD_FRAME, field + " length", "4 more bytes", buf.readableBytes() + " left in the frame");
        }
        long len = Integer.toUnsignedLong(buf.readIntLE());
        if (len > buf.readableBytes()) {
            throw fail(ErrorCode.BAD_FRAME, field + " length", "at most " + buf.readableBytes() + " (bytes left)", len);
        }
        return (int) len;
    }

    /** {@code string}: u16 length, then strict UTF-8 (malformed or overlong input fails). */
    String string(String field) {
        int len = u16(field + " length");
        if (len > buf.readableBytes()) {
            throw fail(ErrorCode.BAD_FRAME, field + " length", "at most " + buf.readableBytes() + " (bytes left)", len);
        }
        ByteBuffer bytes = buf.nioBuffer(buf.readerIndex(), len);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
            buf.skipBytes(len);
            return s;
        } catch (CharacterCodingException e) {
            throw fail(ErrorCode.BAD_FRAME, field, "valid UTF-8", "malformed input (" + e.getMessage() + ")");
        }
    }

    /**
     * {@code list<T>} count: a u32 whose elements, each at least {@code minSize} bytes, must
     * fit in what remains. Checked before anything is allocated for the list.
     */
    int count(String field, int minSize) {
        long n = Integer.toUnsignedLong(u32(field + " count"));
        long fits = buf.readableBytes() / minSize;
        if (n > fits) {
            throw fail(ErrorCode.BAD_FRAME, field + " count",
                    "at most " + fits + " (" + buf.readableBytes() + " bytes left, " + minSize + " per element)", n);
        }
        return (int) n;
    }

    /** The payload must end exactly where its last field does. */
    void end() {
        if (buf.isReadable()) {
            throw fail(ErrorCode.BAD_FRAME, "payload", "end of frame", buf.readableBytes() + " trailing bytes");
        }
    }
}
