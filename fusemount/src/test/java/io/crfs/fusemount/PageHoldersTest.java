package io.crfs.fusemount;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which inodes have a READ or WRITE being served, counted per request. */
class PageHoldersTest {
    @Test
    void anInodeIsServedUntilItsLastRequestEnds() {
        PageHolders h = new PageHolders();
        List<Long> range = List.of(257L, 300L, 4096L, 1L << 40);
        assertThat(h.anyOf(range)).isFalse();
        h.enter(300);
        h.enter(300);
        h.enter(999);
        assertThat(h.anyOf(range)).isTrue();
        assertThat(h.anyOf(List.of(257L, 4096L))).isFalse();
        h.exit(300);
        assertThat(h.anyOf(range)).isTrue();
        h.exit(300);
        assertThat(h.anyOf(range)).isFalse();
        h.enter(1L << 40);
        assertThat(h.anyOf(range)).isTrue();
    }
}
