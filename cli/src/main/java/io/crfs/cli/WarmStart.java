package io.crfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Initialises, before a long-lived JVM (crfsd or a mount) starts work, the classes its AOT training
 * run had initialised; the launcher lists them next to the AOT cache ({@code ./crfs aot}) and names
 * the list in the system property {@value #PROPERTY}.
 *
 * <p>Why: with {@code -XX:+AOTCompileEagerly}, the JVM compiles a method the training run compiled
 * once every class that compilation depended on is initialised. Classes initialise on first use,
 * so without this most of those compilations waited for the first requests and ran beside them
 * on a two-CPU machine. Done here, on the main thread before any other thread of ours runs, they
 * are queued at start, and no two threads can initialise classes in opposite orders.
 */
final class WarmStart {
    static final String PROPERTY = "crfs.aot.classes";
    private static final Logger LOG = LoggerFactory.getLogger(WarmStart.class);

    private WarmStart() {}

    /**
     * What {@link #initialize} did: classes initialised; names not found, which the training JVM
     * had generated as it ran (method handle species, say); names whose initialiser failed, each
     * with its error; time taken.
     */
    record Result(int initialized, List<String> notFound, List<String> failed, long nanos) {}

    /** Initialises the classes listed in the file the property names, if it is set. */
    static void fromProperty() {
        String list = System.getProperty(PROPERTY);
        if (list == null || list.isBlank()) {
            return;
        }
        try {
            Result r = initialize(Files.readAllLines(Path.of(list)), ClassLoader.getSystemClassLoader());
            LOG.debug("warm start: initialised {} classes from {} in {} ms; not found (generated at run time): {}",
                    r.initialized(), list, r.nanos() / 1_000_000, r.notFound());
            if (!r.failed().isEmpty()) {
                LOG.warn("warm start: {} listed classes failed to initialise: {} (./crfs aot --force lists them again)",
                        r.failed().size(), r.failed());
            }
        } catch (IOException e) {
            LOG.warn("cannot read the class list {} ({}); starting without it (./crfs aot --force writes it again)",
                    list, e.toString());
        }
    }

    /**
     * Initialises each named class, in order, through {@code loader}. Blank lines are skipped. A
     * class that cannot be found is noted and skipped: the JVM generates some named classes as it
     * runs, so the training's list may hold a few that this JVM has not made (yet). A class whose
     * initialiser fails is noted with its error: the list does not match this build, and the class
     * stays unusable, so its first use in the program fails with that error as the cause.
     */
    static Result initialize(List<String> names, ClassLoader loader) {
        long t0 = System.nanoTime();
        int done = 0;
        List<String> notFound = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String line : names) {
            String name = line.strip();
            if (name.isEmpty()) {
                continue;
            }
            try {
                Class.forName(name, true, loader);
                done++;
            } catch (ClassNotFoundException e) {
                notFound.add(name);
            } catch (LinkageError e) {
                failed.add(name + " (" + (e.getCause() != null ? e.getCause() : e) + ")");
            }
        }
        return new Result(done, List.copyOf(notFound), List.copyOf(failed), System.nanoTime() - t0);
    }
}
