package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a reader keeps, and how many readers are kept. */
class ReadAheadTest {
    private static ReadAhead.Run run(long from, long to) {
        return new ReadAhead.Run(from, to, ReplyBytes.of(new byte[(int) (to - from + 1) * PageCache.CHUNK]));
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

    /** A reader holding {@code runs} kept runs of a full READ each. */
    private static ReadAhead.Reader holding(int runs) {
        ReadAhead.Reader r = new ReadAhead.Reader();
        for (int i = 0; i < runs; i++) {
            r.keep(run(i * (long) ReadAhead.CHUNKS, (i + 1L) * ReadAhead.CHUNKS - 1));
        }
        return r;
    }

    @Test
    void readersInUseShareTheBudgetAndIdleOnesGiveTheirsBack() {
        ReadAhead ra = new ReadAhead();
        long full = (long) ReadAhead.KEPT * ReadAhead.CHUNKS * PageCache.CHUNK;
        int readers = (int) (ReadAhead.BUDGET / full);
        for (long ino = 1; ino <= readers; ino++) {
            ra.put(ino, holding(ReadAhead.KEPT));
        }
        assertThat(ra.held()).isEqualTo(readers * full).isLessThanOrEqualTo(ReadAhead.BUDGET);
        ReadAhead.Reader late = new ReadAhead.Reader();
        ra.put(100, late);
        long read = (long) ReadAhead.CHUNKS * PageCache.CHUNK;
        // every other reader is in use: the late one gets room only if the budget has it
        assertThat(ra.makeRoom(late, read)).isEqualTo(readers * full + read <= ReadAhead.BUDGET);
        assertThat(ra.makeRoom(late, ReadAhead.BUDGET)).isFalse();
        for (long ino = 1; ino <= readers; ino++) {
            assertThat(ra.get(ino)).as("reader %d", ino).isNotNull();
        }
        ra.get(1).usedAt -= ReadAhead.IDLE_NANOS; // the first reader has gone idle
        assertThat(ra.makeRoom(late, ReadAhead.BUDGET - (readers - 1) * full)).isTrue();
        assertThat(ra.get(1)).isNull();
        assertThat(ra.held()).isEqualTo((readers - 1) * full);
        assertThat(ra.makeRoom(ra.get(2), ReadAhead.BUDGET)).as("only idle readers give way").isFalse();
    }

    @Test
    void aReaderCountsItsKeptRunsAndReadsAhead() {
        ReadAhead.Reader r = holding(2);
        long read = (long) ReadAhead.CHUNKS * PageCache.CHUNK;
        r.ahead.add(new ReadAhead.Ahead(200, 263, new io.crfs.protocol.Message.ReadData(1, 200 * PageCache.CHUNK, (int) read),
                new java.util.concurrent.CompletableFuture<>()));
        assertThat(r.held()).isEqualTo(3 * read);
        assertThat(r.keepFrees()).isZero();
        r.keep(run(500, 563));
        assertThat(r.keepFrees()).as("the oldest goes with the next keep").isEqualTo(read);
        r.release();
        assertThat(r.held()).isZero();
        assertThat(r.kept(0)).isNull();
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
