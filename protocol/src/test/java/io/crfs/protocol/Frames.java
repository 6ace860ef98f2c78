package io.crfs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;

/** Test helpers: hex bytes, whole-frame encoding, and record comparison that looks into arrays. */
final class Frames {
    private Frames() {}

    /** Hex with any whitespace between bytes, as the golden tests write it. */
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }

    static byte[] encode(Frame f) {
        ByteBuf out = Unpooled.buffer();
        Codec.encode(f, out);
        return ByteBufUtil.getBytes(out);
    }

    /** Decodes a whole encoded frame: checks and skips the length field, then {@link Codec#decode}. */
    static Frame decode(byte[] whole) {
        ByteBuf in = Unpooled.wrappedBuffer(whole);
        assertThat(in.readIntLE()).as("length field").isEqualTo(whole.length - 4);
        Frame f = Codec.decode(in);
        assertThat(in.readableBytes()).as("bytes left after decode").isZero();
        return f;
    }

    /** Frames are equal field by field, arrays by content, classes exactly. */
    static void assertSameFrame(Frame actual, Frame expected) {
        assertThat(actual).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(expected);
    }
}
