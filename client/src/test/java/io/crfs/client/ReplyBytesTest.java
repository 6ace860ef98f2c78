package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crfs.protocol.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** DATA bytes read in place from the pieces they arrived in, and given back exactly once. */
class ReplyBytesTest {
    /** A DATA slice of {@code bytes} in pieces of the given sizes (direct memory, some pieces empty), as handed to a request. */
    private static Message.DataSlice slice(byte[] bytes, int... pieces) {
        CompositeByteBuf c = Unpooled.compositeBuffer();
        int at = 0;
        for (int n : pieces) {
            c.addComponent(true, Unpooled.directBuffer(Math.max(n, 1)).writeBytes(bytes, at, n));
            at += n;
        }
        Message.DataSlice s = new Message.DataSlice(c);
        ReplyBytes.delivered(s);
        return s;
    }

    @Test
    void everyRangeOfAReplyInPiecesCopiesTheRightBytes() {
        byte[] bytes = new byte[10_000];
        new Random(7).nextBytes(bytes);
        Message.DataSlice s = slice(bytes, 1, 0, 4095, 4096, 0, 1808);
        ReplyBytes r = ReplyBytes.of(s);
        assertThat(r.length()).isEqualTo(bytes.length);
        Random rnd = new Random(11);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(bytes.length + 16);
            for (int i = 0; i < 2_000; i++) {
                int from = rnd.nextInt(bytes.length + 1);
                int n = rnd.nextInt(bytes.length - from + 1);
                out.fill((byte) 0x5a);
                r.copyTo(from, out, 8, n);
                for (int k = 0; k < n; k++) {
                    if (out.get(ValueLayout.JAVA_BYTE, 8 + k) != bytes[from + k]) {
                        throw new AssertionError("byte " + (from + k) + " copied wrong (from " + from + ", n " + n + ")");
                    }
                }
                assertThat(out.get(ValueLayout.JAVA_BYTE, 7)).isEqualTo((byte) 0x5a);
                assertThat(out.get(ValueLayout.JAVA_BYTE, 8 + n)).as("nothing past the range").isEqualTo((byte) 0x5a);
            }
            assertThatThrownBy(() -> r.copyTo(9_999, out, 0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        }
        r.release();
        assertThat(s.data().refCnt()).as("the receive buffers are given back").isZero();
    }

    @Test
    void aReleasedReplyIsReleasedOnceAndNotReadAgain() {
        long before = ReplyBytes.live();
        Message.DataSlice s = slice(new byte[100], 60, 40);
        assertThat(ReplyBytes.live()).isEqualTo(before + 1);
        ReplyBytes r = ReplyBytes.of(s);
        assertThatThrownBy(() -> ReplyBytes.of(s)).as("taken twice").isInstanceOf(IllegalStateException.class);
        ReplyBytes.discard(s); // too late: taken, so not released here
        assertThat(s.data().refCnt()).isEqualTo(1);
        r.release();
        r.release();
        assertThat(s.data().refCnt()).isZero();
        assertThat(ReplyBytes.live()).isEqualTo(before);
        try (Arena a = Arena.ofConfined()) {
            assertThatThrownBy(() -> r.copyTo(0, a.allocate(10), 0, 10)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aReplyNobodyTakesIsReleasedWhenItComesAndOnlyOnce() {
        long before = ReplyBytes.live();
        CompletableFuture<Message> reply = new CompletableFuture<>();
        ReplyBytes.discardWhenDone(reply);
        ReplyBytes.discardWhenDone(reply); // abandoned twice (a timeout, then its reader going)
        Message.DataSlice s = slice(new byte[10], 10);
        ByteBuf b = s.data();
        reply.complete(s);
        assertThat(b.refCnt()).isZero();
        assertThat(ReplyBytes.live()).isEqualTo(before);
    }
}
