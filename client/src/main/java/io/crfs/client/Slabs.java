package io.crfs.client;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Large regions of memory outside the Java heap for the page cache, backed by transparent huge
 * pages where the kernel has them ({@code madvise(MADV_HUGEPAGE)}; the machine's default is
 * often "madvise"). A cache that fills hundreds of megabytes otherwise takes one page fault per
 * 4 KiB as it first writes each chunk, and on some virtual machines a fault costs more than the
 * copy (measured here: 4 KiB faults at about 340 MB/s, huge pages many times faster). Fresh
 * anonymous memory reads as zeros, so unlike {@link Arena#allocate} nothing is cleared up front.
 * A region is unmapped when the arena it was made in is closed or becomes unreachable.
 * {@code -Dcrfs.client.noHugePages=true} (the launcher's {@code CRFS_HUGEPAGES=0}) takes plain
 * arena memory instead.
 */
final class Slabs {
    private static final int PROT_RW = 0x3, MAP_PRIVATE_ANON = 0x02 | 0x20, MADV_HUGEPAGE = 14;
    private static final long HUGE = 2L << 20;
    private static final MethodHandle MMAP, MUNMAP, MADVISE;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null;
        try {
            Linker l = Linker.nativeLinker();
            var libc = l.defaultLookup();
            mmap = l.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
            munmap = l.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            madvise = l.downcallHandle(libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        } catch (RuntimeException | Error e) {
            mmap = null; // no native access (or not Linux): plain arena memory
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private Slabs() {}

    /**
     * {@code size} bytes of zeroed memory, aligned to a huge page where mapped directly, living
     * as long as {@code arena}.
     */
    static MemorySegment allocate(Arena arena, long size) {
        if (MMAP != null && !Boolean.getBoolean("crfs.client.noHugePages")) {
            try {
                long len = size + HUGE; // room to start on a huge page boundary
                MemorySegment m = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, len, PROT_RW, MAP_PRIVATE_ANON, -1, 0L);
                if (m.address() != -1L) {
                    long base = m.address();
                    long start = (base + HUGE - 1) & -HUGE;
                    MemorySegment region = MemorySegment.ofAddress(start).reinterpret(size, arena, s -> unmap(base, len));
                    int ignored = (int) MADVISE.invokeExact(region, size, MADV_HUGEPAGE); // a hint: 4 KiB pages still work
                    return region;
                }
            } catch (Throwable t) {
                // fall through to arena memory
            }
        }
        return arena.allocate(size, 4096);
    }

    private static void unmap(long base, long len) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(base), len);
        } catch (Throwable t) {
            // the mapping stays until the process ends
        }
    }
}
