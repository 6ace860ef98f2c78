package io.crfs.client;

/** A growable list of ints (operation ends), without boxing one per operation. Not thread-safe. */
final class IntList {
    private int[] a = new int[64];
    private int n;

    void add(int v) {
        if (n == a.length) {
            a = java.util.Arrays.copyOf(a, n * 2);
        }
        a[n++] = v;
    }

    int[] toArray() {
        return java.util.Arrays.copyOf(a, n);
    }

    int size() {
        return n;
    }

    void clear() {
        n = 0;
    }
}
