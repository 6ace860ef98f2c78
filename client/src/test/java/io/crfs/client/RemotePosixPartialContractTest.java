package io.crfs.client;

/**
 * The POSIX contract through the network client when grants bring one item each (the inode
 * item): every other item an operation reads is fetched from the server on use, so every
 * operation runs over partly loaded objects, as in a big directory.
 */
class RemotePosixPartialContractTest extends RemotePosixContractTest {
    @Override
    int grantItems() {
        return 1;
    }
}
