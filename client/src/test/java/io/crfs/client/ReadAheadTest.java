package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a reader keeps, and how many readers are kept. */
class ReadAheadTest {
    private static ReadAhead.Run run(long from, long to) {
        return new ReadAhead.Run(from, to, new byte[(int) (to - from + 1) * PageCache.CHUNK]);
    }

    @Test
    void aKeptRunGoesOnceEachChunkHasBeenReadOut() {
        ReadAhead.Reader r = new ReadAhead.Reader();
        ReadAhead.Run a = run(0, 3);
        r.keep(a);
        for (long idx = 3; idx >= 1; idx--) { // out of order, as the kernel's read-ahead READs may come
            assertThat(r.readOut(idx)).isTrue();
            assertThat(r.kept(0)).isSameAs(a);
        }
        assertThat(r.readOut(1)).isTrue(); // twice: still one chunk to go
        assertThat(r.kept(0)).isSameAs(a);
        assertThat(r.readOut(0)).isTrue();
        assertThat(r.kept(0)).isNull();
        assertThat(r.readOut(2)).isFalse();
    }

    @Test
    void onlyTheLastRunsAreKept() {
        ReadAhead.Reader r = new ReadAhead.Reader();
        for (int i = 0; i <= ReadAhead.KEPT; i++) {
            r.keep(run(i * 4L, i * 4L + 3));
        }
        assertThat(r.kept(0)).isNull();
        for (int i = 1; i <= ReadAhead.KEPT; i++) {
            assertThat(r.kept(i * 4L + 2)).isNotNull();
        }
    }

    @Test
    void theLeastRecentlyUsedReadersAreForgotten() {
        ReadAhead ra = new ReadAhead();
        for (long ino = 1; ino <= ReadAhead.MAX_READERS; ino++) {
            ra.put(ino, new ReadAhead.Reader());
        }
        assertThat(ra.get(1)).isNotNull(); // used: now the most recent
        ra.put(1000, new ReadAhead.Reader());
        ra.put(1001, new ReadAhead.Reader());
        assertThat(ra.get(1)).isNotNull();
        assertThat(ra.get(2)).isNull();
        assertThat(ra.get(3)).isNull();
        assertThat(ra.get(4)).isNotNull();
        assertThat(ra.get(1001)).isNotNull();
    }

    @Test
    void streamedChunksAreOneRunOfFetches() {
        ReadAhead.Reader r = new ReadAhead.Reader();
        assertThat(r.isStreamed(0)).isFalse();
        r.streamed(4, 7);
        r.streamed(8, 11);
        assertThat(r.isStreamed(3)).isFalse();
        assertThat(r.isStreamed(4)).isTrue();
        assertThat(r.isStreamed(11)).isTrue();
        r.streamed(20, 23); // not after the last: a new run
        assertThat(r.isStreamed(8)).isFalse();
        assertThat(r.isStreamed(21)).isTrue();
    }
}
