package io.crfs.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Encodes and decodes whole frames of protocol version 1 (docs/protocol.md "Framing"):
 *
 * <pre>
 * 0        4        6     7     8                16
 * +--------+--------+-----+-----+-----------------+------------
 * | length | magic  | ver | type|   request id    | payload ...
 * |  u32   | u16    | u8  | u8  |      u64        |
 * +--------+--------+-----+-----+-----------------+------------
 * </pre>
 *
 * All integers little-endian. The payload codecs live in the opcode table
 * ({@code MessageTable}); this class owns the header. Decoding trusts nothing: every failure is
 * a {@link ProtocolException} whose message reads "TYPE field: expected X, got Y".
 */
public final class Codec {
    /** Offsets within a frame, chained; the length field is not counted by {@code length}. */
    public static final int LENGTH_OFFSET = 0;
    public static final int MAGIC_OFFSET = LENGTH_OFFSET + 4;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 2;
    public static final int TYPE_OFFSET = VERSION_OFFSET + 1;
    public static final int REQUEST_ID_OFFSET = TYPE_OFFSET + 1;
    public static final int PAYLOAD_OFFSET = REQUEST_ID_OFFSET + 8;
    /** Size of the length field that precedes {@link Frame#HEADER}. */
    public static final int LENGTH_FIELD = MAGIC_OFFSET;

    static {
        if (PAYLOAD_OFFSET - LENGTH_FIELD != Frame.HEADER) {
            throw new IllegalStateException("expected a header of " + Frame.HEADER + " bytes, got "
                    + (PAYLOAD_OFFSET - LENGTH_FIELD));
        }
    }

    private Codec() {}

    /**
     * Appends the whole frame, length field included, to {@code out}. A message the wire cannot
     * carry (see {@code WireWriter}) throws IllegalArgumentException; a frame over
     * {@link Frame#MAX_LENGTH} throws ProtocolException FRAME_TOO_BIG. Either way {@code out}'s
     * writer index is restored, so nothing partial is sent.
     */
    /**
     * About how many bytes {@code f} takes on the wire: exact enough for the bulk of large
     * frames (file data), so the encoder's buffer is allocated once instead of doubling its way
     * up, copying all it holds each time.
     */
    public static int sizeHint(Frame f) {
        long n = 256;
        switch (f.message()) {
            case Message.Batch b -> {
                for (Edit e : b.edits()) {
                    n += 64 + switch (e) {
                        case Edit.Write w -> w.length();
                        case Edit.Put p -> p.value().length;
                        default -> 0;
                    };
                }
            }
            case Message.Data d -> n += d.data().length;
            default -> { }
        }
        return (int) Math.min(n, Frame.MAX_LENGTH + 4L);
    }

    public static void encode(Frame f, ByteBuf out) {
        Message m = f.message();
        MessageTable.Entry<?> e = MessageTable.byType(m.type());
        if (e == null || e.cls() != m.getClass()) {
            throw new IllegalArgumentException("frame type: expected a message of the opcode table, got "
                    + m.getClass().getName() + " with type " + m.type());
        }
        int start = out.writerIndex();
        try {
            out.writeIntLE(0)
                    .writeShortLE(Frame.MAGIC)
                    .writeByte(Frame.VERSION)
                    .writeByte(e.type())
                    .writeLongLE(f.id());
            e.encode(m, out);
            long length = (long) out.writerIndex() - start - LENGTH_FIELD;
            if (length > Frame.MAX_LENGTH) {
                throw new ProtocolException(ErrorCode.FRAME_TOO_BIG, e.name() + " length: expected at most "
                        + Frame.MAX_LENGTH + ", got " + length, f.id());
            }
            out.setIntLE(start, (int) length);
        } catch (RuntimeException ex) {
            out.writerIndex(start);
            throw ex;
        }
    }

    /**
     * Writes the start of a DATA frame answering request {@code id} whose {@code length} data
     * bytes the caller writes next, straight into {@code out} (a server reading file bytes into
     * its network buffer): with them, the same bytes as {@link #encode} of that DATA frame.
     */
    public static void encodeDataStart(long id, int length, ByteBuf out) {
        long frameLength = Frame.HEADER + 4L + length;
        if (length < 0 || frameLength > Frame.MAX_LENGTH) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_BIG, "DATA length: expected at most "
                    + Frame.MAX_LENGTH + ", got " + frameLength, id);
        }
        out.writeIntLE((int) frameLength)
                .writeShortLE(Frame.MAGIC)
                .writeByte(Frame.VERSION)
                .writeByte(Opcodes.DATA)
                .writeLongLE(id)
                .writeIntLE(length);
    }

    /**
     * Decodes one complete frame that starts at the magic (the length field already consumed):
     * {@code frame}'s readable bytes are exactly the frame's {@code length} bytes. Checks the
     * magic (BAD_FRAME), the version (VERSION), the type (BAD_FRAME), then the payload field by
     * field, and that nothing trails it. Consumes the readable bytes it parsed.
     */
    public static Frame decode(ByteBuf frame) {
        return decode(frame, false);
    }

    /**
     * Like {@link #decode(ByteBuf)}; with {@code retainData}, a DATA frame's bytes are not copied
     * but given as a {@link Message.DataSlice} of {@code frame}, retained for the caller.
     */
    public static Frame decode(ByteBuf frame, boolean retainData) {
        if (frame.readableBytes() < Frame.HEADER) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "frame header: expected " + Frame.HEADER
                    + " bytes, got " + frame.readableBytes());
        }
        int magic = frame.readUnsignedShortLE();
        if (magic != Frame.MAGIC) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, String.format(
                    "frame magic: expected 0x%04x, got 0x%04x", Frame.MAGIC, magic));
        }
        int version = frame.readUnsignedByte();
        int type = frame.readUnsignedByte();
        long id = frame.readLongLE();
        // The 12-byte header keeps its layout in every version, so even a VERSION error can
        // echo the request id (decision recorded in docs/protocol.md).
        if (version != Frame.VERSION) {
            throw new ProtocolException(ErrorCode.VERSION, MessageTable.name(type) + " version: expected "
                    + Frame.VERSION + ", got " + version, id);
        }
        MessageTable.Entry<?> e = MessageTable.byType(type);
        if (e == null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "frame type: expected a message type of version "
                    + Frame.VERSION + ", got " + type, id);
        }
        WireReader r = new WireReader(frame, e.name(), id);
        if (retainData && type == Opcodes.DATA) {
            ByteBuf data = r.retainedBytes("data");
            try {
                r.end();
            } catch (ProtocolException x) {
                data.release();
                throw x;
            }
            return new Frame(id, new Message.DataSlice(data));
        }
        Message m = e.decoder().apply(r);
        r.end();
        return new Frame(id, m);
    }
}
