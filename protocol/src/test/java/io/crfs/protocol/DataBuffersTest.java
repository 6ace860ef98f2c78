package io.crfs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataBuffersTest {
    @Test
    void sizesFrom64KiBTo8MiBComeInPowersOfTwoAndOthersExact() {
        assertThat(DataBuffers.take(100)).hasSize(100);
        assertThat(DataBuffers.take((64 << 10) - 1)).hasSize((64 << 10) - 1);
        assertThat(DataBuffers.take(64 << 10)).hasSize(64 << 10);
        assertThat(DataBuffers.take((64 << 10) + 1)).hasSize(128 << 10);
        assertThat(DataBuffers.take(3 << 20)).hasSize(4 << 20);
        assertThat(DataBuffers.take(8 << 20)).hasSize(8 << 20);
        assertThat(DataBuffers.take((8 << 20) + 1)).hasSize((8 << 20) + 1);
    }

    @Test
    void aGivenArrayIsTakenAgainUpToTheLimit() {
        byte[] a = DataBuffers.take(600_000);
        DataBuffers.give(a);
        assertThat(DataBuffers.take(700_000)).isSameAs(a); // same class (1 MiB), most recent first
        byte[] odd = new byte[700_000]; // not a pooled size: never kept
        long before = DataBuffers.kept();
        DataBuffers.give(odd);
        DataBuffers.give(null);
        assertThat(DataBuffers.kept()).isEqualTo(before);
        List<byte[]> many = new java.util.ArrayList<>();
        for (int i = 0; i < 2 * DataBuffers.KEEP_BYTES / (8 << 20); i++) {
            many.add(DataBuffers.take(8 << 20));
        }
        many.forEach(DataBuffers::give);
        assertThat(DataBuffers.kept()).isBetween(DataBuffers.KEEP_BYTES - (8 << 20), DataBuffers.KEEP_BYTES);
        DataBuffers.clear(); // leave the pool empty for the other tests in this JVM
        assertThat(DataBuffers.kept()).isZero();
    }

    @Test
    void clearLetsEveryKeptArrayGo() {
        DataBuffers.clear(); // whatever other tests in this JVM left
        byte[] small = DataBuffers.take(64 << 10);
        byte[] big = DataBuffers.take(8 << 20);
        DataBuffers.give(small);
        DataBuffers.give(big);
        assertThat(DataBuffers.kept()).isEqualTo((64 << 10) + (8 << 20));
        DataBuffers.clear();
        assertThat(DataBuffers.kept()).isZero();
        assertThat(DataBuffers.take(64 << 10)).isNotSameAs(small).hasSize(64 << 10);
        assertThat(DataBuffers.take(8 << 20)).isNotSameAs(big).hasSize(8 << 20);
        DataBuffers.give(small); // kept again afterwards, up to the limit
        assertThat(DataBuffers.kept()).isEqualTo(64 << 10);
        DataBuffers.clear();
    }

    /** A WRITE of part of a longer array goes on the wire as its bytes alone, and decodes to them. */
    @Test
    void aWriteOfPartOfAnArrayCarriesThatPartOnly() {
        byte[] held = new byte[1 << 20];
        new java.util.Random(5).nextBytes(held);
        Edit.Write part = new Edit.Write(300, 8192, held, 1000, 200_000);
        Edit.Write exact = new Edit.Write(300, 8192, java.util.Arrays.copyOfRange(held, 1000, 201_000));
        ByteBuf a = Unpooled.buffer(), b = Unpooled.buffer();
        Codec.encode(new Frame(9, new Message.Batch(List.of(part))), a);
        Codec.encode(new Frame(9, new Message.Batch(List.of(exact))), b);
        assertThat(ByteBufUtil.getBytes(a)).isEqualTo(ByteBufUtil.getBytes(b));
        assertThat(Codec.sizeHint(new Frame(9, new Message.Batch(List.of(part))))).isGreaterThanOrEqualTo(a.readableBytes());
        a.skipBytes(Codec.LENGTH_FIELD);
        Frame f = Codec.decode(a, false);
        Edit.Write got = (Edit.Write) ((Message.Batch) f.message()).edits().get(0);
        assertThat(got.length()).isEqualTo(200_000);
        assertThat(java.util.Arrays.copyOfRange(got.data(), got.from(), got.from() + got.length())).isEqualTo(exact.data());
    }
}
