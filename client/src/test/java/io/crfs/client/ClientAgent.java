package io.crfs.client;

import io.crfs.posix.Attr;
import io.crfs.posix.Caller;
import io.crfs.posix.DirEntryInfo;
import io.crfs.posix.PosixException;
import io.crfs.posix.PosixFs;
import io.crfs.posix.SetAttr;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A client process for multi-client tests: reads one command per line on stdin, runs it
 * through {@link CrfsClient}, prints one line: {@code ok [result]} or {@code err ERRNO message}.
 * Paths are absolute, '/'-separated; data and values travel as hex.
 */
public final class ClientAgent {
    private final PosixFs fs;
    private final CrfsClient client;

    private ClientAgent(CrfsClient client) {
        this.client = client;
        this.fs = client.posix();
    }

    public static void main(String[] args) throws Exception {
        CrfsClient.Options options = new CrfsClient.Options(true,
                Integer.getInteger("crfs.agent.maxObjects", CrfsClient.Options.MAX_OBJECTS));
        try (CrfsClient c = CrfsClient.connect(args[0], Integer.parseInt(args[1]), args[2], io.crfs.posix.Caller.ROOT, options)) {
            ClientAgent a = new ClientAgent(c);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.println("ready " + c.sessionId());
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("exit")) {
                    out.println("ok");
                    break;
                }
                out.println(a.run(line.split(" ")));
            }
        }
    }

    String run(String[] w) {
        try {
            return "ok" + exec(w);
        } catch (PosixException e) {
            return "err " + e.errno().name() + " " + e.getMessage().replace('\n', ' ');
        } catch (RuntimeException e) {
            return "err EXC " + e.toString().replace('\n', ' ');
        }
    }

    static final Caller ROOT = Caller.ROOT;
    static final HexFormat HEX = HexFormat.of();

    private long resolve(String path) {
        long ino = PosixFs.ROOT;
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                ino = fs.lookup(ROOT, ino, b(part)).ino();
            }
        }
        return ino;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private long parent(String path) {
        int i = path.lastIndexOf('/');
        return resolve(i <= 0 ? "/" : path.substring(0, i));
    }

    private static byte[] leaf(String path) {
        return b(path.substring(path.lastIndexOf('/') + 1));
    }

    private String exec(String[] w) {
        switch (w[0]) {
            case "create" -> fs.create(ROOT, parent(w[1]), leaf(w[1]), 0644, true);
            case "open" -> fs.open(resolve(w[1])); // a file description, never closed: the agent holds it open
            case "mkdir" -> fs.mkdir(ROOT, parent(w[1]), leaf(w[1]), 0755);
            case "unlink" -> fs.unlink(ROOT, parent(w[1]), leaf(w[1]));
            case "rmdir" -> fs.rmdir(ROOT, parent(w[1]), leaf(w[1]));
            case "rename" -> fs.rename(ROOT, parent(w[1]), leaf(w[1]), parent(w[2]), leaf(w[2]), 0);
            case "link" -> fs.link(ROOT, resolve(w[1]), parent(w[2]), leaf(w[2]));
            case "symlink" -> fs.symlink(ROOT, parent(w[2]), leaf(w[2]), b(w[1]));
            case "write" -> {
                byte[] d = HEX.parseHex(w[3]);
                fs.write(ROOT, resolve(w[1]), Long.parseLong(w[2]), d, 0, d.length);
            }
            case "append" -> {
                long ino = resolve(w[1]);
                byte[] d = HEX.parseHex(w[2]);
                fs.write(ROOT, ino, fs.getattr(ino).size(), d, 0, d.length);
            }
            case "read" -> {
                long ino = resolve(w[1]);
                long size = fs.getattr(ino).size();
                long off = Long.parseLong(w[2]);
                int len = (int) Math.max(0, Math.min(Long.parseLong(w[3]), size - off));
                byte[] d = new byte[len];
                int n = fs.read(ino, off, d, 0, len);
                return " " + HEX.formatHex(d, 0, n);
            }
            case "cat" -> {
                long ino = resolve(w[1]);
                int len = (int) fs.getattr(ino).size();
                byte[] d = new byte[len];
                int n = fs.read(ino, 0, d, 0, len);
                return " " + HEX.formatHex(d, 0, n);
            }
            case "truncate" -> fs.setattr(ROOT, resolve(w[1]), SetAttr.size(Long.parseLong(w[2])));
            case "chmod" -> fs.setattr(ROOT, resolve(w[1]), SetAttr.mode(Integer.parseInt(w[2], 8)));
            case "stat" -> {
                Attr a = fs.getattr(resolve(w[1]));
                return " size=" + a.size() + " mode=" + Integer.toOctalString(a.mode()) + " nlink=" + a.nlink()
                        + " mtime=" + a.mtime().sec() + "." + a.mtime().nsec() + " ctime=" + a.ctime().sec() + "."
                        + a.ctime().nsec() + " ino=" + a.ino();
            }
            case "ls" -> {
                List<String> names = new ArrayList<>();
                long dir = resolve(w[1]);
                long cookie = 0;
                while (true) {
                    List<DirEntryInfo> part = fs.readdir(ROOT, dir, cookie, 500);
                    if (part.isEmpty()) {
                        break;
                    }
                    for (DirEntryInfo e : part) {
                        String n = new String(e.name(), StandardCharsets.UTF_8);
                        if (!n.equals(".") && !n.equals("..")) {
                            names.add(n);
                        }
                    }
                    cookie = part.get(part.size() - 1).cookie();
                }
                return " " + String.join(",", names);
            }
            case "setxattr" -> fs.setxattr(ROOT, resolve(w[1]), b(w[2]), HEX.parseHex(w[3]), 0);
            case "getxattr" -> {
                return " " + HEX.formatHex(fs.getxattr(ROOT, resolve(w[1]), b(w[2])));
            }
            case "removexattr" -> fs.removexattr(ROOT, resolve(w[1]), b(w[2]));
            case "sync" -> fs.sync();
            case "rtt" -> {
                return " " + client.roundTrips();
            }
            case "grants" -> {
                return " " + client.grantsHeld();
            }
            default -> throw new IllegalArgumentException("unknown command " + w[0]);
        }
        return "";
    }
}
