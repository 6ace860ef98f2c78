package io.crfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The io_uring wrapper the FUSE ring queues stand on, against the kernel's io_uring. */
class UringTest {
    private static final int EFD_SEMAPHORE = 1;

    /**
     * A burst of completions each answered by a new entry can need more entries than the ring
     * has slots. It once threw "submission queue full", which stopped a FUSE ring queue and hung
     * every process on its CPU (seen with 8 MiB of kernel readahead).
     */
    @Test
    void shouldHandOverPendingEntriesWhenMoreAreFilledThanTheRingHasSlots() throws IOException {
        Uring ring;
        try {
            ring = Uring.open(4);
        } catch (IOException | RuntimeException e) {
            Assumptions.abort("no io_uring here: " + e);
            return;
        }
        int efd = Native.eventfd(Native.EFD_CLOEXEC | EFD_SEMAPHORE);
        assertThat(efd).as("eventfd").isGreaterThanOrEqualTo(0);
        try (ring; Arena a = Arena.ofConfined()) {
            int n = 3 * ring.capacity() + 1;
            List<MemorySegment> bufs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                bufs.add(a.allocate(8, 8));
                ring.read(efd, bufs.get(i), 8, i); // past the capacity, the earlier ones go to the kernel first
            }
            MemorySegment count = a.allocate(8, 8);
            count.set(JAVA_LONG, 0, n);
            assertThat(Native.write(efd, count, 8)).isEqualTo(8);
            List<Integer> results = new ArrayList<>();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (results.size() < n && System.nanoTime() < deadline) {
                int e = ring.submitAndWait();
                assertThat(e == 0 || e == -Errno.EINTR).as("io_uring_enter: %d", e).isTrue();
                ring.drain((user, res) -> results.add(res));
            }
            assertThat(results).as("every read completed with its 8 bytes").hasSize(n).containsOnly(8);
        } finally {
            Native.close(efd);
        }
    }
}
