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
            DataBuffers.clear(); // the rehearsal's writes filled it
            collectIfConcurrent();
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

    /**
     * Collects the rehearsal's garbage (its scratch crfsd and client, much of it promoted) now
     * rather than in a long first young collection under the first real work, if {@code
     * System.gc()} is a concurrent cycle here ({@code -XX:+ExplicitGCInvokesConcurrent}, which
     * {@code ./crfs} and the mount helper pass). Otherwise it is left alone: a full collection's
     * pause made G1 grow the heap at the next young collection and touch the growth inside it,
     * which was slower than not collecting (docs/benchmarks.md, twenty-seventh session).
     */
    private static void collectIfConcurrent() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (Boolean.parseBoolean(vm.getVMOption("ExplicitGCInvokesConcurrent").getValue())) {
                System.gc();
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("not collecting after the warm-up: {}", e.toString()); // a JVM without the option
        }
    }
}
