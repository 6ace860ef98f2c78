package io.crfs.cli;

import io.crfs.fuse.Rehearsal;
import io.crfs.fusemount.WarmUp;
import io.crfs.protocol.DataBuffers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The warm-up ({@link WarmUp}) as {@code crfs serve} and {@code crfs mount} run it. */
final class Warming {
    private static final Logger LOG = LoggerFactory.getLogger(Warming.class);

    private Warming() {}

    /**
     * Runs the warm-up; returns what to add to the command's ready line. A warm-up that fails
     * costs only speed: it is logged, and the command goes on.
     */
    static String up(String who) {
        try {
            Rehearsal.Result r = WarmUp.run(WarmUp.FILES, WarmUp.DATA_MIB, WarmUp.BUDGET_NANOS);
            // the rehearsal's scratch crfsd, client and data arrays are garbage now, much of it
            // promoted: collected here, not by a long first young collection under the first real
            // work (./crfs runs the JVM with -XX:+ExplicitGCInvokesConcurrent: a full collection's
            // pause would make G1 grow the heap at the next young collection)
            DataBuffers.clear();
            System.gc();
            if (r.failed() > 0) {
                LOG.warn("{}: {} of the warm-up's {} requests failed (a bug: please report it); going on", who,
                        r.failed(), r.requests());
            }
            LOG.debug("{}: warm-up served {} requests in {} ms", who, r.requests(), r.nanos() / 1_000_000);
            return String.format("; warmed up in %.1f s", r.nanos() / 1e9);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("{}: warm-up failed ({}); going on, the first requests run slower", who, e.toString());
            return "";
        }
    }
}
