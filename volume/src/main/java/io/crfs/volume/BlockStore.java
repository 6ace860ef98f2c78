package io.crfs.volume;

/** What a {@link BTree} needs from the running transaction: reading, COW and allocation of blocks. */
interface BlockStore {
    /** A block by address: the writable version if this transaction made it, else the verified committed one. */
    Block read(long bytenr, long expectGen, int expectLevel, long owner);

    /** A writable copy of a committed block at a new address; the old one is freed at commit. */
    Block cow(Block b);

    /** A new empty writable block of the tree {@code owner}. */
    Block allocate(int level, long owner);

    /** The block leaves the tree (freed at commit, or at once if this transaction made it). */
    void free(Block b);

    long transid();

    int nodesize();
}
