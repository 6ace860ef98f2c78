package io.crfs.client;

import io.crfs.protocol.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * REVOKEs of grants the client does not hold, which may be early: the operation that asked
 * installs a grant only once it gets the store's lock, and the revoke thread may get there first;
 * nor need the GRANTED come first, since crfsd sends it from its volume thread (with the grant's
 * items) and a REVOKE from wherever the conflicting request arrived (a rule that waited only for
 * grants whose GRANTED had come was tried, and answered REVOKEs of grants still on their way).
 * Such a REVOKE waits until every ACQUIRE sent before it came has installed its grant or failed:
 * then its grant is either held (answered as usual) or gone (answered at once). Several ACQUIREs
 * may be out at once, so the highest grant id installed says nothing about one still on its way
 * in. A grant given back is answered by its RELEASE at crfsd, whatever this says.
 *
 * <p>Not thread-safe: the store's lock guards it.
 */
final class EarlyRevokes {
    /** ACQUIREs sent and not yet installed or failed, by sequence number. */
    private final TreeSet<Long> out = new TreeSet<>();
    private long sequence;
    /** Waiting REVOKEs by grant id, each with the last ACQUIRE sent before it came. */
    private final Map<Long, Waiting> waiting = new HashMap<>();
    /** REVOKEs handed back because no ACQUIRE they waited for is left: their grant is gone if not held. */
    private final Set<Long> settled = new HashSet<>();

    private record Waiting(Message.Revoke revoke, long lastSent) {}

    /** An ACQUIRE is about to be sent; returns its sequence number for {@link #done}. */
    long sending() {
        long s = ++sequence;
        out.add(s);
        return s;
    }

    /**
     * A REVOKE of a grant not held: true if it must wait (an ACQUIRE sent before it may still
     * install the grant), false if the grant is gone and it can be answered now.
     */
    boolean mustWait(Message.Revoke r) {
        if (settled.remove(r.revokeId()) || out.isEmpty()) {
            return false;
        }
        waiting.put(r.grantId(), new Waiting(r, out.last()));
        return true;
    }

    /** The REVOKE waiting for the grant just installed, or null. */
    Message.Revoke installed(long grantId) {
        Waiting w = waiting.remove(grantId);
        return w == null ? null : w.revoke();
    }

    /**
     * ACQUIRE {@code s} has installed its grant or failed. Returns the REVOKEs that waited for no
     * ACQUIRE still out: they are to be handled again, now as of grants held or gone.
     */
    List<Message.Revoke> done(long s) {
        out.remove(s);
        long oldest = out.isEmpty() ? Long.MAX_VALUE : out.first();
        List<Message.Revoke> ready = new ArrayList<>();
        waiting.values().removeIf(w -> {
            if (w.lastSent() < oldest) {
                ready.add(w.revoke());
                settled.add(w.revoke().revokeId());
                return true;
            }
            return false;
        });
        return ready;
    }

    /** REVOKEs waiting (tests). */
    int waitingCount() {
        return waiting.size();
    }
}
