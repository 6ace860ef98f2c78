package io.crfs.server;

import io.crfs.format.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Inclusive key intervals {@code [min, max]} with values, ordered by (min, id): an interval tree
 * as a treap whose nodes also keep the largest max of their subtree. That augmentation lets a
 * stabbing query skip every subtree that ends before the query starts, and the order by min skips
 * every subtree that starts after it ends.
 *
 * <p>Complexity (n intervals, k reported): insert and remove O(log n) expected; {@link #forEachOverlap}
 * O(min(n, (k + 1) log n)) expected; {@link #anyOverlap} stops at the first match. Not
 * thread-safe: the {@link GrantTable} lock guards it.
 *
 * @param <T> the value stored with each interval
 */
final class IntervalSet<T> {
    private static final class Node<T> {
        final Key min;
        final Key max;
        final long id;
        final T value;
        final int priority;
        Key maxEnd;
        Node<T> left;
        Node<T> right;

        Node(Key min, Key max, long id, T value, int priority) {
            this.min = min;
            this.max = max;
            this.id = id;
            this.value = value;
            this.priority = priority;
            this.maxEnd = max;
        }
    }

    private Node<T> root;
    private int size;
    /** xorshift state for treap priorities; deterministic so that runs repeat. */
    private int seed = 0x2545F491;

    int size() {
        return size;
    }

    /** Adds [min, max] under id (ids are unique within the set). */
    void add(Key min, Key max, long id, T value) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        root = insert(root, new Node<>(min, max, id, value, seed));
        size++;
    }

    /** Removes the interval added with this min and id; returns whether it was present. */
    boolean remove(Key min, long id) {
        int before = size;
        root = delete(root, min, id);
        return size < before;
    }

    /** Calls action for every interval sharing a key with [a, b], in (min, id) order. */
    void forEachOverlap(Key a, Key b, Consumer<T> action) {
        visit(root, a, b, v -> {
            action.accept(v);
            return false;
        });
    }

    /** Whether some interval sharing a key with [a, b] satisfies test; stops at the first. */
    boolean anyOverlap(Key a, Key b, Predicate<T> test) {
        return visit(root, a, b, test);
    }

    List<T> overlapping(Key a, Key b) {
        List<T> out = new ArrayList<>();
        forEachOverlap(a, b, out::add);
        return out;
    }

    List<T> all() {
        return overlapping(Key.MIN, Key.MAX);
    }

    private static int order(Key min, long id, Node<?> n) {
        int c = min.compareTo(n.min);
        return c != 0 ? c : Long.compare(id, n.id);
    }

    private static <T> boolean visit(Node<T> n, Key a, Key b, Predicate<T> test) {
        while (n != null && n.maxEnd.compareTo(a) >= 0) {
            if (visit(n.left, a, b, test)) {
                return true;
            }
            if (n.min.compareTo(b) > 0) {
                return false; // this node and its right subtree start after the query ends
            }
            if (n.max.compareTo(a) >= 0 && test.test(n.value)) {
                return true;
            }
            n = n.right;
        }
        return false;
    }

    private Node<T> insert(Node<T> n, Node<T> x) {
        if (n == null) {
            return x;
        }
        if (order(x.min, x.id, n) < 0) {
            n.left = insert(n.left, x);
            if (n.left.priority > n.priority) {
                n = rotateRight(n);
            }
        } else {
            n.right = insert(n.right, x);
            if (n.right.priority > n.priority) {
                n = rotateLeft(n);
            }
        }
        update(n);
        return n;
    }

    private Node<T> delete(Node<T> n, Key min, long id) {
        if (n == null) {
            return null;
        }
        int c = order(min, id, n);
        if (c < 0) {
            n.left = delete(n.left, min, id);
        } else if (c > 0) {
            n.right = delete(n.right, min, id);
        } else {
            size--;
            return merge(n.left, n.right);
        }
        update(n);
        return n;
    }

    /** Joins two treaps where every node of l orders before every node of r. */
    private Node<T> merge(Node<T> l, Node<T> r) {
        if (l == null) {
            return r;
        }
        if (r == null) {
            return l;
        }
        if (l.priority > r.priority) {
            l.right = merge(l.right, r);
            update(l);
            return l;
        }
        r.left = merge(l, r.left);
        update(r);
        return r;
    }

    private Node<T> rotateRight(Node<T> n) {
        Node<T> l = n.left;
        n.left = l.right;
        l.right = n;
        update(n);
        update(l);
        return l;
    }

    private Node<T> rotateLeft(Node<T> n) {
        Node<T> r = n.right;
        n.right = r.left;
        r.left = n;
        update(n);
        update(r);
        return r;
    }

    private static <T> void update(Node<T> n) {
        Key m = n.max;
        if (n.left != null && n.left.maxEnd.compareTo(m) > 0) {
            m = n.left.maxEnd;
        }
        if (n.right != null && n.right.maxEnd.compareTo(m) > 0) {
            m = n.right.maxEnd;
        }
        n.maxEnd = m;
    }
}
