package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.volume.Oracles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random operations by three client processes, one at a time, each checked against a
 * sequential model: since every operation completes before the next starts anywhere, a
 * linearizable file system must give exactly the model's answer every time. -Dcrfs.seed=N,
 * -Dcrfs.ops=N.
 */
class RandomCoherenceTest {
    @TempDir
    Path tmp;
    static final HexFormat HEX = HexFormat.of();

    @Test
    void everyReadSeesTheLatestCompletedWrite() throws Exception {
        run(io.crfs.server.Crfsd.Options.GRANT_ITEMS);
    }

    /** The same with grants that bring one item each: every other item is fetched on use. */
    @Test
    void everyReadSeesTheLatestCompletedWriteWhenItemsAreFetchedOnUse() throws Exception {
        run(1, CrfsClient.Options.MAX_OBJECTS);
    }

    /** The same with clients that cache four objects at most: they keep giving grants back. */
    @Test
    void everyReadSeesTheLatestCompletedWriteWhenClientsCacheFourObjects() throws Exception {
        run(io.crfs.server.Crfsd.Options.GRANT_ITEMS, 4);
    }

    private void run(int grantItems) throws Exception {
        run(grantItems, CrfsClient.Options.MAX_OBJECTS);
    }

    private void run(int grantItems, int maxObjects) throws Exception {
        long seed = Long.getLong("crfs.seed", System.nanoTime());
        int ops = Integer.getInteger("crfs.ops", 400);
        Random r = new Random(seed);
        Map<String, byte[]> model = new TreeMap<>();
        Map<String, String> xattr = new TreeMap<>();
        String[] names = {"a", "b", "c", "d", "e"};
        try (TestServer server = new TestServer(tmp, 5000, grantItems)) {
            List<AgentProcess> agents = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    agents.add(server.agent("R" + i, maxObjects));
                }
                for (int i = 0; i < ops; i++) {
                    AgentProcess p = agents.get(r.nextInt(agents.size()));
                    String n = names[r.nextInt(names.length)];
                    String path = "/" + n;
                    boolean exists = model.containsKey(n);
                    String where = "seed=" + seed + " op #" + i + " on " + p.name + ": ";
                    switch (r.nextInt(9)) {
                        case 0 -> {
                            String a = p.send("create " + path);
                            assertThat(a).as(where + "create " + n).startsWith(exists ? "err EEXIST" : "ok");
                            model.putIfAbsent(n, new byte[0]);
                        }
                        case 1 -> {
                            String a = p.send("unlink " + path);
                            assertThat(a).as(where + "unlink " + n).startsWith(exists ? "ok" : "err ENOENT");
                            model.remove(n);
                            xattr.remove(n);
                        }
                        case 2, 3 -> {
                            byte[] d = new byte[1 + r.nextInt(r.nextBoolean() ? 100 : 20_000)];
                            r.nextBytes(d);
                            int off = r.nextInt(30_000);
                            String a = p.send("write " + path + " " + off + " " + HEX.formatHex(d));
                            assertThat(a).as(where + "write " + n).startsWith(exists ? "ok" : "err ENOENT");
                            if (exists) {
                                byte[] cur = model.get(n);
                                byte[] nw = Arrays.copyOf(cur, Math.max(cur.length, off + d.length));
                                System.arraycopy(d, 0, nw, off, d.length);
                                model.put(n, nw);
                            }
                        }
                        case 4 -> {
                            int size = r.nextInt(40_000);
                            String a = p.send("truncate " + path + " " + size);
                            assertThat(a).as(where + "truncate " + n).startsWith(exists ? "ok" : "err ENOENT");
                            if (exists) {
                                model.put(n, Arrays.copyOf(model.get(n), size));
                            }
                        }
                        case 5, 6 -> {
                            String a = p.send("cat " + path);
                            if (exists) {
                                assertThat(a).as(where + "cat " + n).isEqualTo("ok " + HEX.formatHex(model.get(n)));
                            } else {
                                assertThat(a).as(where + "cat " + n).startsWith("err ENOENT");
                            }
                        }
                        case 7 -> {
                            String to = names[r.nextInt(names.length)];
                            String a = p.send("rename " + path + " /" + to);
                            if (!exists) {
                                assertThat(a).as(where + "rename").startsWith("err ENOENT");
                            } else {
                                assertThat(a).as(where + "rename " + n + " " + to).startsWith("ok");
                                byte[] d = model.remove(n);
                                String x = xattr.remove(n);
                                model.put(to, d);
                                xattr.remove(to);
                                if (x != null) {
                                    xattr.put(to, x);
                                }
                            }
                        }
                        default -> {
                            String a = p.send("ls /");
                            assertThat(a).as(where + "ls").startsWith("ok");
                            List<String> listed = new ArrayList<>(a.length() > 3
                                    ? Arrays.asList(a.substring(3).split(",")) : List.of());
                            java.util.Collections.sort(listed);
                            assertThat(listed).as(where + "ls (in any order)").isEqualTo(new ArrayList<>(model.keySet()));
                            if (exists && r.nextBoolean()) {
                                String v = HEX.formatHex(Long.toString(r.nextLong()).getBytes());
                                assertThat(p.send("setxattr " + path + " user.x " + v)).startsWith("ok");
                                xattr.put(n, v);
                            } else if (exists && xattr.containsKey(n)) {
                                assertThat(p.send("getxattr " + path + " user.x")).as(where + "getxattr")
                                        .isEqualTo("ok " + xattr.get(n));
                            }
                        }
                    }
                }
                System.out.println("RandomCoherenceTest seed=" + seed + " ops=" + ops + " ok");
                if (maxObjects < CrfsClient.Options.MAX_OBJECTS) {
                    assertThat(server.server.metricsText()).as("grants were given back")
                            .containsPattern("crfs_requests_total\\{type=\"release\"\\} [1-9]");
                }
                if (grantItems < io.crfs.server.Crfsd.Options.GRANT_ITEMS) {
                    assertThat(server.server.metricsText()).as("items were fetched on use")
                            .containsPattern("crfs_requests_total\\{type=\"fetch\"\\} [1-9]");
                }
            } finally {
                for (AgentProcess p : agents) {
                    p.close();
                }
            }
        }
        if (Oracles.haveBtrfsTools()) {
            assertThat(Oracles.btrfsCheck(tmp.resolve("srv.img"))).isEmpty();
        }
    }
}
