package io.crfs.protocol;

import io.crfs.format.Key;
import io.crfs.protocol.Message.Batch;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * BATCH payload: {@code list<edit>}, each edit {@code op u8} then its fields (docs/protocol.md,
 * edit table), then {@code list<u32>} op-ends. The encoder switches over the sealed {@link Edit}, so the compiler insists on
 * every op; the decoder checks the op byte and each record's {@code op()} against
 * {@link Opcodes} (see {@link #OPS_CHECKED}).
 */
final class EditCodec {
    /** Smallest encoded edit: DROP_DATA, op u8 + ino u64. Bounds the list count. */
    static final int MIN_EDIT = 1 + 8;

    /** Class-init check that the records' op() numbers are the ones this codec reads. */
    static final boolean OPS_CHECKED = checkOps();

    private EditCodec() {}

    static Batch batch(WireReader r) {
        int n = r.count("edits", MIN_EDIT);
        List<Edit> edits = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            r.element("edits", i);
            edits.add(edit(r));
        }
        r.element(null, 0);
        int m = r.count("op-ends", 4);
        int[] ends = new int[m];
        int last = 0;
        for (int i = 0; i < m; i++) {
            ends[i] = r.u32("op-ends");
            if (ends[i] <= last || ends[i] > n) {
                throw r.fail(ErrorCode.BAD_FRAME, "op-ends", "an op end above " + last + " and at most " + n, ends[i]);
            }
            last = ends[i];
        }
        if (last != n) {
            throw r.fail(ErrorCode.BAD_FRAME, "op-ends", "a last op end equal to the edit count " + n, last);
        }
        return new Batch(Collections.unmodifiableList(edits), ends);
    }

    private static Edit edit(WireReader r) {
        int op = r.u8("op");
        return switch (op) {
            case Opcodes.EDIT_PUT -> {
                Key key = r.key("PUT key");
                yield new Edit.Put(key, r.bytes("PUT value"));
            }
            case Opcodes.EDIT_DELETE -> new Edit.Delete(r.key("DELETE key"));
            case Opcodes.EDIT_WRITE -> {
                long ino = r.u64("WRITE ino");
                long offset = r.u64("WRITE offset");
                int n = r.bytesLength("WRITE data");
                byte[] data = DataBuffers.take(n); // crfsd gives it back once applied
                r.readInto(data, n);
                yield new Edit.Write(ino, offset, data, 0, n);
            }
            case Opcodes.EDIT_TRUNCATE -> {
                long ino = r.u64("TRUNCATE ino");
                yield new Edit.Truncate(ino, r.u64("TRUNCATE size"));
            }
            case Opcodes.EDIT_PUNCH -> {
                long ino = r.u64("PUNCH ino");
                long offset = r.u64("PUNCH offset");
                yield new Edit.Punch(ino, offset, r.u64("PUNCH length"));
            }
            case Opcodes.EDIT_ALLOCATE -> {
                long ino = r.u64("ALLOCATE ino");
                long offset = r.u64("ALLOCATE offset");
                long length = r.u64("ALLOCATE length");
                yield new Edit.Allocate(ino, offset, length, r.bool("ALLOCATE keep-size"));
            }
            case Opcodes.EDIT_DROP_DATA -> new Edit.DropData(r.u64("DROP_DATA ino"));
            case Opcodes.EDIT_CLONE -> {
                long src = r.u64("CLONE src");
                long srcOff = r.u64("CLONE src-offset");
                long dst = r.u64("CLONE dst");
                long dstOff = r.u64("CLONE dst-offset");
                yield new Edit.Clone(src, srcOff, dst, dstOff, r.u64("CLONE length"));
            }
            default -> throw r.fail(ErrorCode.BAD_FRAME, "op", "an edit op of 1..8", op);
        };
    }

    static void batch(Batch m, ByteBuf out) {
        List<Edit> edits = m.edits();
        int n = edits.size();
        out.writeIntLE(n);
        for (int i = 0; i < n; i++) {
            edit(out, edits.get(i));
        }
        out.writeIntLE(m.opEnds().length);
        for (int end : m.opEnds()) {
            out.writeIntLE(end);
        }
    }

    /**
     * One edit. Kept out of {@link #batch}'s loop: compiled into it, the loop's code was thrown
     * away and compiled again each time a batch brought a mix of edits its profile had not seen.
     */
    private static void edit(ByteBuf out, Edit e) {
        out.writeByte(e.op());
        switch (e) {
            case Edit.Put p -> {
                WireWriter.key(out, p.key());
                WireWriter.bytes(out, p.value());
            }
            case Edit.Delete d -> WireWriter.key(out, d.key());
            case Edit.Write w -> {
                out.writeLongLE(w.ino()).writeLongLE(w.offset());
                out.writeIntLE(w.length()).writeBytes(w.data(), w.from(), w.length());
            }
            case Edit.Truncate t -> out.writeLongLE(t.ino()).writeLongLE(t.size());
            case Edit.Punch p -> out.writeLongLE(p.ino()).writeLongLE(p.offset()).writeLongLE(p.length());
            case Edit.Allocate a -> {
                out.writeLongLE(a.ino()).writeLongLE(a.offset()).writeLongLE(a.length());
                WireWriter.bool(out, a.keepSize());
            }
            case Edit.DropData d -> out.writeLongLE(d.ino());
            case Edit.Clone c -> out.writeLongLE(c.src()).writeLongLE(c.srcOff()).writeLongLE(c.dst())
                    .writeLongLE(c.dstOff()).writeLongLE(c.length());
        }
    }

    private static boolean checkOps() {
        Edit[] samples = {
            new Edit.Put(null, null), new Edit.Delete(null), new Edit.Write(0, 0, null), new Edit.Truncate(0, 0),
            new Edit.Punch(0, 0, 0), new Edit.Allocate(0, 0, 0, false), new Edit.DropData(0),
            new Edit.Clone(0, 0, 0, 0, 0),
        };
        int[] expected = {
            Opcodes.EDIT_PUT, Opcodes.EDIT_DELETE, Opcodes.EDIT_WRITE, Opcodes.EDIT_TRUNCATE,
            Opcodes.EDIT_PUNCH, Opcodes.EDIT_ALLOCATE, Opcodes.EDIT_DROP_DATA, Opcodes.EDIT_CLONE,
        };
        if (samples.length != Edit.class.getPermittedSubclasses().length) {
            throw new IllegalStateException("edit table: expected " + Edit.class.getPermittedSubclasses().length
                    + " ops, got " + samples.length);
        }
        for (int i = 0; i < samples.length; i++) {
            if (samples[i].op() != expected[i]) {
                throw new IllegalStateException("edit table: expected " + samples[i].getClass().getSimpleName()
                        + ".op() == " + expected[i] + ", got " + samples[i].op());
            }
        }
        return true;
    }
}
