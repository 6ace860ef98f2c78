package io.crfs.posix;

import org.junit.jupiter.api.Test;

/** Random operations over MemoryItemStore; -Dcrfs.random.ops=N -Dcrfs.random.seed=S to vary. */
class PosixRandomOpsTest {

    @Test
    void randomOps_memoryStore() {
        MemoryItemStore store = new MemoryItemStore();
        PosixRandomOps.fromProperties(() -> store, 20260101L, 20_000, store::commit).run();
    }

    @Test
    void randomOps_memoryStoreWithReopens() {
        // Every commit "restarts" over a copy of the committed state: open handles are lost.
        MemoryItemStore[] current = {new MemoryItemStore()};
        PosixRandomOps.fromProperties(() -> current[0], 77L, 3_000, () -> {
            current[0].commit();
            current[0] = current[0].reopen();
        }).run();
    }
}
