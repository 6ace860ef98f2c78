package io.crfs.protocol;

import static io.crfs.protocol.Frames.decode;
import static io.crfs.protocol.Frames.encode;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Large DATA replies are decoded into arrays handed back by their readers, and overwritten whole. */
class DataArraysTest {
    @org.junit.jupiter.api.BeforeEach
    void empty() {
        DataArrays.clear();
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] decodeData(byte[] payload) {
        return ((Message.Data) decode(encode(new Frame(3, new Message.Data(payload)))).message()).data();
    }

    @Test
    void aRecycledArrayHoldsTheNextReplyOfItsLength() {
        int len = DataArrays.MIN_POOLED + 4096 + 17; // a length no other test decodes
        byte[] first = decodeData(filled(len, 1));
        Message.Data.recycle(first);
        byte[] second = decodeData(filled(len, 2));
        assertThat(second).isSameAs(first);
        assertThat(second).isEqualTo(filled(len, 2));
        byte[] third = decodeData(filled(len, 3)); // nothing handed back: a fresh array
        assertThat(third).isNotSameAs(second).isEqualTo(filled(len, 3));
    }

    @Test
    void smallArraysAreNotKept() {
        long before = DataArrays.keptBytes();
        Message.Data.recycle(new byte[DataArrays.MIN_POOLED - 1]);
        assertThat(DataArrays.keptBytes()).isEqualTo(before);
    }

    @Test
    void noMoreThanTheBoundIsKept() {
        int len = DataArrays.MIN_POOLED + 8192 + 5;
        for (int i = 0; i < 2 * DataArrays.MAX_BYTES / len; i++) {
            Message.Data.recycle(new byte[len]);
        }
        assertThat(DataArrays.keptBytes()).isBetween(0L, DataArrays.MAX_BYTES);
    }
}
