"""Seeded random POSIX ACL operations in DIR, one line of outcome per operation.

Usage: acl-random.py DIR SEED COUNT. Run as root. The operations, and so the lines, depend only
on the seed, never on earlier outcomes: the same seed on two file systems that behave alike
prints the same lines. Callers are made up (uid, gid, groups) and switched to in a forked child,
so no user needs to exist. Printed: errno names, modes, ACLs as entry lists; never inode
numbers or times.
"""
import errno
import os
import random
import struct
import sys

d, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
CALLERS = [(0, 0, []), (1000, 1000, [1000, 50]), (1001, 1001, [1001]), (1002, 50, [50]), (1003, 60, [60, 1000])]
IDS = [1000, 1001, 1002, 1003, 50, 60]
TOPS = [("a", 1000, 1000, 0o755), ("b", 1001, 50, 0o775), ("c", 0, 0, 0o777)]
MADE = ["a/x", "a/y", "b/x", "b/y", "c/x", "c/y", "a/x/z", "b/x/z"]
NAMES = [t[0] for t in TOPS] + MADE
ACCESS, DEFAULT = "system.posix_acl_access", "system.posix_acl_default"
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 1, 2, 4, 8, 0x10, 0x20
NO_ID = 0xFFFFFFFF


def encode(entries):
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, p, i in entries)


def decode(v):
    return [struct.unpack_from("<HHI", v, 4 + 8 * k) for k in range((len(v) - 4) // 8)]


def random_acl():
    """A valid list most of the time; now and then one Linux refuses."""
    users = sorted(rnd.sample(IDS[:4], rnd.randint(0, 2)))
    groups = sorted(rnd.sample(IDS, rnd.randint(0, 2)))
    e = [(USER_OBJ, rnd.randint(0, 7), NO_ID)] + [(USER, rnd.randint(0, 7), u) for u in users]
    e += [(GROUP_OBJ, rnd.randint(0, 7), NO_ID)] + [(GROUP, rnd.randint(0, 7), g) for g in groups]
    if users or groups or rnd.random() < 0.3:
        e.append((MASK, rnd.randint(0, 7), NO_ID))
    e.append((OTHER, rnd.randint(0, 7), NO_ID))
    damage = rnd.random()
    if damage < 0.05 and len(e) > 3:
        e = [x for x in e if x[0] != MASK] if any(x[0] == MASK for x in e) else e[::-1]
    elif damage < 0.08:
        e[0] = (USER_OBJ, 8, NO_ID)
    return encode(e)


def as_caller(c, umask, fn):
    """Runs fn as caller c in a child; its result, or the errno name it failed with."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups(c[2])
            os.setresgid(c[1], c[1], c[1])
            os.setresuid(c[0], c[0], c[0])
            os.umask(umask)
            out = str(fn())
        except OSError as e:
            out = errno.errorcode.get(e.errno, str(e.errno))
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        out += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return out.decode()


def p(name):
    return os.path.join(d, name)


def shown(fn):
    try:
        return fn()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def read_fd(path, flags):
    fd = os.open(path, flags)
    os.close(fd)
    return "ok"


def make(path, kind, mode):
    if kind == "dir":
        os.mkdir(path, mode)
    elif kind == "fifo":
        os.mkfifo(path, mode)
    else:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode))
    return oct(os.lstat(path).st_mode)


def acl_of(path, name):
    return decode(os.getxattr(path, name, follow_symlinks=False))


os.chmod(d, 0o755)
for top, uid, gid, mode in TOPS:
    os.mkdir(p(top))
    os.chown(p(top), uid, gid)
    os.chmod(p(top), mode)
for n in range(count):
    op = rnd.choice(["make", "make", "setacl", "setacl", "defacl", "rmacl", "chmod", "chown", "check", "check",
                     "check", "show"])
    name = rnd.choice(MADE if op == "make" else NAMES)
    c = rnd.choice(CALLERS)
    umask = rnd.choice([0o022, 0o077, 0o002, 0])
    if op == "make":
        kind, mode = rnd.choice(["file", "file", "dir", "fifo"]), rnd.choice([0o777, 0o666, 0o750, 0o640, 0o2775])
        out = as_caller(c, umask, lambda: make(p(name), kind, mode))
    elif op in ("setacl", "defacl"):
        v = random_acl()
        attr = ACCESS if op == "setacl" else DEFAULT
        out = as_caller(c, umask, lambda: os.setxattr(p(name), attr, v))
        out += " " + shown(lambda: oct(os.lstat(p(name)).st_mode))
    elif op == "rmacl":
        attr = rnd.choice([ACCESS, DEFAULT])
        out = as_caller(c, umask, lambda: os.removexattr(p(name), attr))
    elif op == "chmod":
        mode = rnd.choice([0o700, 0o750, 0o755, 0o640, 0o604, 0o2770, 0o1777, 0o000])
        out = as_caller(c, umask, lambda: os.chmod(p(name), mode))
        out += " " + shown(lambda: str(acl_of(p(name), ACCESS)))
    elif op == "chown":
        uid, gid = rnd.choice(IDS[:4] + [-1]), rnd.choice(IDS + [-1])
        out = as_caller(c, umask, lambda: os.chown(p(name), uid, gid))
    elif op == "check":
        what = rnd.choice(["read", "write", "search", "list", "create"])
        if what == "read":
            out = as_caller(c, umask, lambda: read_fd(p(name), os.O_RDONLY | os.O_NONBLOCK))
        elif what == "write":
            out = as_caller(c, umask, lambda: read_fd(p(name), os.O_WRONLY | os.O_NONBLOCK))
        elif what == "search":
            out = as_caller(c, umask, lambda: oct(os.stat(p(name + "/x")).st_mode))
        elif what == "list":
            out = as_caller(c, umask, lambda: sorted(os.listdir(p(name))))
        else:
            new = name + "/n%d" % n
            out = as_caller(c, umask, lambda: make(p(new), "file", 0o666))
            out += " " + shown(lambda: str(acl_of(p(new), ACCESS)))
        op += " " + what
    else:
        out = shown(lambda: oct(os.lstat(p(name)).st_mode)) + " " + shown(lambda: str(acl_of(p(name), ACCESS))) \
              + " " + shown(lambda: str(acl_of(p(name), DEFAULT)))
    print("%d %s %s by %d: %s" % (n, op, name, c[0], out), flush=True)
