package io.crfs.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Server counters, and their Prometheus text exposition (version 0.0.4). */
final class Metrics {
    final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder grants = new LongAdder();
    final LongAdder errors = new LongAdder();

    void request(String type) {
        requests.computeIfAbsent(type, k -> new LongAdder()).increment();
    }

    String exposition(Crfsd d) {
        StringBuilder b = new StringBuilder();
        counter(b, "crfs_requests_total", "Requests handled, by message type.", null);
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            b.append("crfs_requests_total{type=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        counter(b, "crfs_request_errors_total", "Requests answered with an error.", errors.sum());
        counter(b, "crfs_bytes_written_total", "File bytes written by clients' batches.", bytesWritten.sum());
        counter(b, "crfs_bytes_read_total", "File bytes sent to clients.", bytesRead.sum());
        counter(b, "crfs_grants_total", "Grants given.", grants.sum());
        counter(b, "crfs_revokes_total", "Revokes sent.", d.sessions.revokesSent.get());
        counter(b, "crfs_evictions_total", "Sessions evicted.", d.sessions.evictions.get());
        counter(b, "crfs_batches_total", "Batches applied.", d.backend.batches.get());
        counter(b, "crfs_commits_total", "Volume commits.", d.backend.commits.get());
        counter(b, "crfs_commit_seconds_total", "Time spent in volume commits.", d.backend.commitNanos.get() / 1e9);
        counter(b, "crfs_revoke_seconds_total", "Sum of revoke round trips (send to acknowledgement).",
                d.sessions.revokeNanos.get() / 1e9);
        gauge(b, "crfs_sessions", "Client sessions.", d.sessions.all().size());
        gauge(b, "crfs_grants_held", "Grants currently held.", d.grants.snapshot().held().size());
        gauge(b, "crfs_volume_generation", "Last committed btrfs generation.", d.backend.volume().generation());
        gauge(b, "crfs_volume_used_bytes", "Bytes held by extents.", d.backend.volume().usedBytes());
        gauge(b, "crfs_volume_total_bytes", "Volume size.", d.backend.volume().totalBytes());
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, Number value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n");
        if (value != null) {
            b.append(name).append(' ').append(value).append('\n');
        }
    }

    private static void gauge(StringBuilder b, String name, String help, Number value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }
}
