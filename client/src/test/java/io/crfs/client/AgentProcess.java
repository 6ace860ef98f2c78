package io.crfs.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A {@link ClientAgent} in its own JVM, driven line by line; every wait is bounded. */
final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final ExecutorService reader = Executors.newSingleThreadExecutor();
    final String name;

    AgentProcess(String host, int port, String name) throws IOException {
        this(host, port, name, CrfsClient.Options.MAX_OBJECTS);
    }

    /** {@code maxObjects}: how many objects the agent's client caches at most. */
    AgentProcess(String host, int port, String name, int maxObjects) throws IOException {
        this.name = name;
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dcrfs.agent.maxObjects=" + maxObjects,
                "-Dorg.slf4j.simpleLogger.log.io.crfs.client.RemoteStore=" + System.getProperty("crfs.agentLog", "warn"),
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-Dorg.slf4j.simpleLogger.showShortLogName=true", "-cp", cp, ClientAgent.class.getName(),
                host, Integer.toString(port), name));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        String first = line(30);
        if (!first.startsWith("ready")) {
            throw new IOException(name + " did not start: " + first);
        }
    }

    private String line(int seconds) throws IOException {
        Future<String> f = reader.submit(out::readLine);
        try {
            String l = f.get(seconds, TimeUnit.SECONDS);
            if (l == null) {
                throw new IOException(name + " exited");
            }
            return l;
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw new IOException(name + " gave no answer within " + seconds + " s");
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IOException(name + ": " + e, e);
        }
    }

    /** Sends one command and returns the whole answer line. */
    String send(String command) throws IOException {
        return send(command, 60);
    }

    String send(String command, int timeoutSeconds) throws IOException {
        in.write(command + "\n");
        in.flush();
        return line(timeoutSeconds);
    }

    /** Sends and requires "ok"; returns what follows it. */
    String ok(String command) throws IOException {
        String r = send(command);
        if (!r.startsWith("ok")) {
            throw new AssertionError(name + ": '" + command + "' answered '" + r + "'");
        }
        return r.length() > 2 ? r.substring(3) : "";
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long pid() {
        return process.pid();
    }

    /** What another agent does while this one is stopped (it cannot answer a revoke or renew its lease). */
    interface Meanwhile {
        void run() throws Exception;
    }

    /** Stops this agent (SIGSTOP), runs {@code meanwhile}, then lets it go on (SIGCONT), even on failure. */
    void frozenWhile(Meanwhile meanwhile) throws Exception {
        new ProcessBuilder("kill", "-STOP", Long.toString(pid())).start().waitFor();
        try {
            meanwhile.run();
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid())).start().waitFor();
        }
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                in.write("exit\n");
                in.flush();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            // fall through to the kill
        }
        kill();
        reader.shutdownNow();
    }
}
