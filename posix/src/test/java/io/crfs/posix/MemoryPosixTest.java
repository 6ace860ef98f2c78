package io.crfs.posix;

import io.crfs.format.ItemStore;

/** The POSIX contract over the in-memory store. */
class MemoryPosixTest extends PosixContract {
    @Override
    protected ItemStore newStore() {
        return new MemoryItemStore();
    }

    @Override
    protected void commit(ItemStore s) {
        ((MemoryItemStore) s).commit();
    }

    @Override
    protected ItemStore reopen(ItemStore s) {
        return ((MemoryItemStore) s).reopen();
    }
}
