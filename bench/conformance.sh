#!/usr/bin/env bash
# Re-runs the external conformance suites recorded in docs/conformance.md against crfs
# mounts that already exist. It fetches and builds nothing: pass the path of an already
# built pjdfstest tree and fsx binary. Run as root (pjdfstest needs chown/mknod/setuid).
#
#   bench/conformance.sh pjd MOUNT PJDFSTEST_DIR LOGPREFIX [PER_DIR_TIMEOUT_S]
#       from inside MOUNT, `prove -rv PJDFSTEST_DIR/tests/<dir>` one directory at a time,
#       each bounded by timeout (default 600 s); LOGPREFIX-<dir>.log per directory and one
#       line per directory in LOGPREFIX.summary, then per-directory failure counts.
#   bench/conformance.sh fsx FSX_BIN DIR LOGPREFIX
#       the fsx matrix of docs/conformance.md (4 x 100,000 ops) on files in DIR.
#   bench/conformance.sh twomount FSX_BIN DIR_A DIR_B SEED NUMOPS LOG
#       fsx on DIR_A/fsx-co.f while mount B re-reads the same file (cat loop = fresh opens,
#       plus one reader keeping an fd open); then both mounts must show the same bytes.
#   bench/conformance.sh coherence FILE_A FILE_B [--writes N] [--seed S] [--fsync]
#       concurrent read-after-write check: writer on mount A, reader on mount B.
#   bench/conformance.sh alternate FILE_A FILE_B ROUNDS SEED
#       sequential (non-overlapping) write-on-one-mount / read-on-the-other check.
#   bench/conformance.sh enospc MOUNT ROUNDS SEED
#       fills the (small) volume behind MOUNT until ENOSPC three ways per round (small files
#       with xattrs, one big file, directories), removes each fill and checks that a new file
#       can still be written and fsynced; fails if an fsync after a removal fails or if
#       anything but the probe files is left. Then stop the server and run btrfs check.
#   bench/conformance.sh fsstress FSSTRESS_BIN SEED NOPS NPROC LOGPREFIX REF DIR_A [DIR_B]
#       xfstests' fsstress (NPROC processes, NOPS operations each) in REF (an empty directory
#       on the kernel's btrfs: the oracle) and in DIR_A (an empty directory on a crfs mount).
#       Each process works in its own directory from its own seed, so every operation's result
#       must be the kernel's, and so must the tree left (names, types, modes, owners, sizes,
#       link counts, contents, symlinks, xattrs). With DIR_B (the same directory through a
#       second mount of the server), seed SEED+1 runs at once in DIR_B/b while seed SEED runs in
#       DIR_A/a (and both in REF), and the tree must also be the same through both mounts.
#       Left out: clone, dedupe and exchange range (the kernel's FUSE has no way to pass them
#       on) and FIEMAP (the layout, not the contents). Compared without st_blocks (btrfs
#       allocates a block when a truncate up zeroes the old last one; crfs leaves a hole).
#   bench/conformance.sh fsstress-shared FSSTRESS_BIN SEED NOPS NPROC LOGPREFIX DIR_A DIR_B
#       seeds SEED and SEED+1 at once in the same directory through two mounts, fighting over
#       the same names; the tree must be the same through both mounts afterwards.
#   bench/conformance.sh stressng DIR LOGPREFIX [SECONDS]
#       stress-ng's file system stressors (installed with apt-get if missing), one after
#       another, 2 instances each for SECONDS (default 4) with --verify, each in its own
#       directory under DIR (its working directory too): the stressors and options of
#       fusemount/src/test/resources/stress-ng.list, which StressNgTest runs in CI. One line
#       per stressor (its exit status and any failure it reported, also in LOGPREFIX.summary),
#       and a non-zero exit if any failed.
set -u
py=${PYTHON:-/usr/bin/python3}
mode=${1:?mode: pjd|fsx|twomount|coherence|alternate|enospc|fsstress|fsstress-shared|stressng}; shift
case "$mode" in
pjd)
    mnt=$1 pjd=$2 log=$3 to=${4:-600}
    : > "$log.summary"
    for d in "$pjd"/tests/*/; do
        name=$(basename "$d"); start=$(date +%s)
        (cd "$mnt" && timeout "$to" prove -rv "$d") > "$log-$name.log" 2>&1
        rc=$?
        echo "$name rc=$rc secs=$(( $(date +%s) - start )) $(grep -E '^Result:|^Files=' "$log-$name.log" | tr '\n' ' ')" \
            | tee -a "$log.summary"
    done
    tf=0 tt=0 tx=0
    for l in "$log"-*.log; do
        d=${l#"$log"-}; d=${d%.log}
        f=$(grep -oP '^Files=\K[0-9]+' "$l"); t=$(grep -oP '^Files=.*Tests=\K[0-9]+' "$l")
        x=$(grep -oP '^\S+\.t \(Wstat.*Failed: \K[0-9]+' "$l" | paste -sd+ | bc); x=${x:-0}
        echo "$d files=$f tests=$t failed=$x"; tf=$((tf + f)); tt=$((tt + t)); tx=$((tx + x))
    done
    echo "TOTAL files=$tf tests=$tt failed=$tx"
    ;;
fsx)
    bin=$1 dir=$2 log=$3; mkdir -p "$log.fsxlog"
    run() { name=$1; shift
        timeout 900 "$bin" "$@" -P "$log.fsxlog" "$dir/fsx-$name.f" > "$log-$name.log" 2>&1
        echo "$name rc=$? args: $* $dir/fsx-$name.f :: $(grep 'operations completed' "$log-$name.log")"; }
    run default -N 100000 -S 4242
    run reopen  -N 100000 -S 7 -c 10
    run big     -N 100000 -S 99 -o 1048576 -l 8388608
    run nommap  -N 100000 -S 5 -R -W -f
    ;;
twomount)
    bin=$1 A=$2 B=$3 seed=$4 n=$5 log=$6
    rm -f "$A/fsx-co.f"; : > "$log"
    "$bin" -N "$n" -S "$seed" -P "$(dirname "$log")" "$A/fsx-co.f" > "$log.fsx" 2>&1 & fp=$!
    sleep 1
    ( r=0 e=0; while kill -0 $fp 2>/dev/null; do cat "$B/fsx-co.f" > /dev/null 2>> "$log.err" || e=$((e + 1)); r=$((r + 1)); done
      echo "cat-reads=$r cat-errors=$e" >> "$log" ) & cp=$!
    "$py" - "$B/fsx-co.f" $fp >> "$log" 2>&1 <<'PY' &
import os, sys
pid = int(sys.argv[2]); r = e = 0
f = os.open(sys.argv[1], os.O_RDONLY)
while True:
    try: os.kill(pid, 0)
    except OSError: break
    try: os.pread(f, 1 << 20, 0); r += 1
    except OSError: e += 1
print("fd-reads=%d fd-errors=%d" % (r, e))
PY
    pp=$!
    wait $fp; echo "fsx rc=$?" >> "$log"; wait $cp $pp; sleep 1
    echo "sha A=$(sha256sum < "$A/fsx-co.f" | cut -c1-16) B=$(sha256sum < "$B/fsx-co.f" | cut -c1-16)" >> "$log"
    tail -1 "$log.fsx" >> "$log"; cat "$log"
    ;;
coherence)
    exec "$py" - "$@" <<'PY'
#!/usr/bin/env python3
"""Cross-mount read-after-write check (written for the crfs conformance run).
writer: pwrite 4 KiB blocks into FILE_A (mount A); every 8-byte word of a block = gen
(a global, strictly increasing counter); done[b] = gen is published in shared memory only
after pwrite (and fsync if --fsync) returned. reader: snapshots done[] BEFORE each pread of
the whole file through FILE_B (mount B), then checks every block:
  stale : word < snapshot done[b]   (read started after a completed write, saw older data)
  future: word > started[b] read after the pread (impossible, corrupt data)
  torn  : words inside one 4 KiB block differ (write not atomic w.r.t. a concurrent read)
Odd reader iterations reuse one open fd, even ones open/read/close."""
import os, sys, struct, random, time, argparse, multiprocessing as mp
NB, BS = 16, 4096
ap = argparse.ArgumentParser()
ap.add_argument('file_a'); ap.add_argument('file_b')
ap.add_argument('--writes', type=int, default=20000); ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--fsync', action='store_true')
a = ap.parse_args()
started = mp.Array('q', NB, lock=False); done = mp.Array('q', NB, lock=False)
stop = mp.Value('i', 0, lock=False)
fd = os.open(a.file_a, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
os.pwrite(fd, bytes(NB * BS), 0); os.fsync(fd)
def writer():
    rnd = random.Random(a.seed); g = 0
    for i in range(a.writes):
        b = rnd.randrange(NB); g += 1
        started[b] = g
        n = os.pwrite(fd, struct.pack('<q', g) * (BS // 8), b * BS)
        assert n == BS
        if a.fsync: os.fsync(fd)
        done[b] = g
    stop.value = 1
def reader(q):
    st = dict(reads=0, stale=0, future=0, torn=0, short=0, errors=0, first=[])
    pfd = os.open(a.file_b, os.O_RDONLY)
    while not stop.value:
        snap = list(done)
        try:
            if st['reads'] % 2:
                data = os.pread(pfd, NB * BS, 0)
            else:
                f = os.open(a.file_b, os.O_RDONLY); data = os.pread(f, NB * BS, 0); os.close(f)
        except OSError as e:
            st['errors'] += 1; st['first'].append('read error %r' % e); continue
        after = list(started); st['reads'] += 1
        if len(data) != NB * BS:
            st['short'] += 1; st['first'].append('short read %d' % len(data)); continue
        for b in range(NB):
            blk = data[b * BS:(b + 1) * BS]
            w = struct.unpack_from('<q', blk, 0)[0]
            if blk != struct.pack('<q', w) * (BS // 8):
                st['torn'] += 1
                if len(st['first']) < 10: st['first'].append('torn block %d read %d' % (b, st['reads']))
                ws = set(struct.unpack('<%dq' % (BS // 8), blk)); w = min(ws)
            if w < snap[b]:
                st['stale'] += 1
                if len(st['first']) < 10:
                    st['first'].append('stale block %d: saw gen %d, gen %d was complete before the read (fd %s)'
                                       % (b, w, snap[b], 'kept' if st['reads'] % 2 == 0 else 'fresh'))
            if max(struct.unpack('<%dq' % (BS // 8), blk)) > after[b]:
                st['future'] += 1
    os.close(pfd); q.put(st)
q = mp.Queue(); r = mp.Process(target=reader, args=(q,)); r.start()
t0 = time.time(); writer(); os.close(fd)
st = q.get(); r.join()
print('writes=%d fsync=%s secs=%.1f reads=%d stale=%d future=%d torn=%d short=%d errors=%d'
      % (a.writes, a.fsync, time.time() - t0, st['reads'], st['stale'], st['future'], st['torn'], st['short'], st['errors']))
for l in st['first'][:10]: print('  ' + l)
# final state through B must equal final state through A
time.sleep(0)
ca = open(a.file_a, 'rb').read(); cb = open(a.file_b, 'rb').read()
print('final A==B:', ca == cb, len(ca), len(cb))
sys.exit(1 if (st['stale'] or st['future'] or st['short'] or st['errors'] or ca != cb) else 0)
PY
    ;;
alternate)
    exec "$py" - "$@" <<'PY'
#!/usr/bin/env python3
# Sequential cross-mount check (no concurrency): each round writes a random range through
# mount A (kept fd), then reads the whole file through mount B (kept fd in odd rounds,
# fresh open in even rounds) and compares with the model; every 7th round swaps roles.
import os, sys, random
a, b, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed); size = 1 << 18; model = bytearray(size)
fa = os.open(a, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644); os.pwrite(fa, bytes(size), 0)
fb = os.open(b, os.O_RDWR); bad = 0
for i in range(n):
    w, r = (fa, fb) if (i // 7) % 2 == 0 else (fb, fa)
    off = rnd.randrange(size); ln = rnd.randrange(1, min(65536, size - off) + 1)
    data = os.urandom(ln); os.pwrite(w, data, off); model[off:off + ln] = data
    if i % 2:
        got = os.pread(r, size, 0)
    else:
        p = b if w == fa else a; f = os.open(p, os.O_RDONLY); got = os.pread(f, size, 0); os.close(f)
    if got != bytes(model):
        bad += 1
        if bad <= 5:
            d = next(j for j in range(min(len(got), size)) if j >= len(got) or got[j] != model[j]) if len(got) == size else -1
            print('round %d: mismatch (len %d, first diff at %d, write %d+%d)' % (i, len(got), d, off, ln))
print('rounds=%d mismatches=%d' % (n, bad)); sys.exit(1 if bad else 0)
PY
    ;;
enospc)
    mnt=$1 rounds=$2 seed=$3
    "$py" - "$mnt" "$rounds" "$seed" <<'PY'
import errno, os, random, sys, time
d, rounds, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed); print("seed", seed, flush=True); failed = 0
def why(e): return errno.errorcode.get(e.errno, str(e.errno))
def fill(kind, tag):
    n = 0
    try:
        if kind == "files":
            os.makedirs(f"{d}/{tag}")
            for i in range(1_000_000):
                p = f"{d}/{tag}/f{i}"
                with open(p, "wb") as f:
                    f.write(os.urandom(rnd.choice([100, 3000, 5000, 70000])))
                os.setxattr(p, "user.k", os.urandom(rnd.choice([10, 1000, 3000]))); n += 1
        elif kind == "big":
            with open(f"{d}/{tag}", "wb") as f:
                for i in range(1_000_000):
                    f.write(os.urandom(1 << 20)); n += 1
        else:
            for i in range(10_000_000):
                os.makedirs(f"{d}/{tag}/{i % 50}/{i}"); n += 1
    except OSError as e:
        return n, why(e)
    return n, "never full (bounded)"
def remove(p):
    if os.path.isdir(p):
        for root, dirs, files in os.walk(p, topdown=False):
            for x in files: os.unlink(os.path.join(root, x))
            for x in dirs: os.rmdir(os.path.join(root, x))
        os.rmdir(p)
    elif os.path.exists(p):
        os.unlink(p)
def probe(tag):
    global failed
    try:
        with open(f"{d}/probe-{tag}", "wb") as f:
            f.write(b"x" * 4096); os.fsync(f.fileno())
        return "probe ok"
    except OSError as e:
        failed += 1; return "PROBE FAILED " + why(e)
for r in range(rounds):
    for kind in ("files", "big", "dirs"):
        tag = f"{kind}{r}"; t = time.time(); n, stop = fill(kind, tag)
        t1 = time.time()
        try:
            remove(f"{d}/{tag}"); gone = "removed"
        except OSError as e:
            failed += 1; gone = "REMOVE FAILED " + why(e)
        print(f"round {r} {kind}: {n} until {stop} ({t1 - t:.1f} s); {gone} ({time.time() - t1:.1f} s); {probe(tag)}", flush=True)
left = sorted(x for x in os.listdir(d) if not x.startswith("probe-"))
if left:
    failed += 1; print("LEFT OVER:", left[:10])
print("enospc failures=%d" % failed); sys.exit(1 if failed else 0)
PY
    ;;
fsstress|fsstress-shared)
    bin=$1 seed=$2 nops=$3 nproc=$4 log=$5; shift 5
    skip=(-f clonerange=0 -f deduperange=0 -f exchangerange=0 -f fiemap=0)
    run() { timeout 1800 "$bin" -d "$1" -n "$nops" -p "$nproc" -s "$2" -v -V "${skip[@]}" > "$3" 2>&1 || echo "fsstress in $1 rc=$?"; }
    tree() { "$py" - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
for d, dirs, files in os.walk(root):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(d, n); st = os.lstat(p); m = st.st_mode
        if stat.S_ISREG(m):
            h = hashlib.sha256()
            with open(p, 'rb') as f:
                for b in iter(lambda: f.read(1 << 20), b''): h.update(b)
            what = h.hexdigest()[:16]
        else:
            what = '->' + os.readlink(p) if stat.S_ISLNK(m) else '-'
        xs = sorted(os.listxattr(p, follow_symlinks=False))
        xa = ','.join('%s=%s' % (x, hashlib.sha256(os.getxattr(p, x, follow_symlinks=False)).hexdigest()[:8]) for x in xs)
        print(os.path.relpath(p, root), oct(m), st.st_uid, st.st_gid, st.st_size, st.st_nlink, st.st_rdev, what, xa)
PY
    }
    # an operation's line with st_blocks masked, in the order of each process's own operations
    # (and without the flags a failed FS_IOC_GETFLAGS leaves unset: fsstress prints them anyway)
    ops() { sed -E -e 's/\[(-?[0-9]+) ([0-9]+) ([0-9]+) ([0-9]+) [0-9]+ /[\1 \2 \3 \4 B /g' \
        -e 's/: getattr (.*) [0-9]+ -1$/: getattr \1 ? -1/' "$1" | sort -t/ -k1,1n -s; }
    bad=0
    same() { if cmp -s "$2" "$3"; then echo "$1: same"; else echo "$1: DIFFERENT (diff $2 $3)"; bad=1; fi; }
    # every log must hold all its operations: a binary that did not run leaves empty logs, and
    # empty logs compare equal
    ran() { local f n; for f in "$@"; do n=$(grep -csE '^[0-9]+/[0-9]+: ' "$f"); n=${n:-0}; if [ "$n" -lt $((nops * nproc)) ]; then
        echo "$f: only $n of $((nops * nproc)) operations ran"; bad=1; fi; done; }
    if [ "$mode" = fsstress-shared ]; then
        A=$1 B=$2
        run "$A" "$seed" "$log-a.log" & pa=$!
        run "$B" "$((seed + 1))" "$log-b.log"; wait $pa
        ran "$log-a.log" "$log-b.log"
        tree "$A" > "$log-a.tree"; tree "$B" > "$log-b.tree"
        echo "entries: $(wc -l < "$log-a.tree")"; same "tree through mount A and mount B" "$log-a.tree" "$log-b.tree"
    elif [ $# -ge 3 ]; then
        ref=$1 A=$2 B=$3
        mkdir -p "$ref/a" "$ref/b" "$A/a" "$A/b"
        run "$ref/a" "$seed" "$log-ref-a.log" & pa=$!
        run "$ref/b" "$((seed + 1))" "$log-ref-b.log"; wait $pa
        run "$A/a" "$seed" "$log-a.log" & pa=$!
        run "$B/b" "$((seed + 1))" "$log-b.log"; wait $pa
        ran "$log-ref-a.log" "$log-ref-b.log" "$log-a.log" "$log-b.log"
        for x in a b; do ops "$log-ref-$x.log" > "$log-ref-$x.ops"; ops "$log-$x.log" > "$log-$x.ops"
            same "operations in $x" "$log-ref-$x.ops" "$log-$x.ops"; done
        tree "$ref" > "$log-ref.tree"; tree "$A" > "$log-a.tree"; tree "$B" > "$log-b.tree"
        echo "entries: $(wc -l < "$log-ref.tree")"
        same "tree through mount A" "$log-ref.tree" "$log-a.tree"; same "tree through mount B" "$log-ref.tree" "$log-b.tree"
    else
        ref=$1 A=$2
        run "$ref" "$seed" "$log-ref.log"; run "$A" "$seed" "$log-a.log"
        ran "$log-ref.log" "$log-a.log"
        ops "$log-ref.log" > "$log-ref.ops"; ops "$log-a.log" > "$log-a.ops"; same "operations" "$log-ref.ops" "$log-a.ops"
        tree "$ref" > "$log-ref.tree"; tree "$A" > "$log-a.tree"
        echo "entries: $(wc -l < "$log-ref.tree")"; same "tree" "$log-ref.tree" "$log-a.tree"
    fi
    exit $bad
    ;;
stressng)
    dir=$1 log=$2 secs=${3:-4}
    command -v stress-ng >/dev/null || apt-get install -y -q stress-ng >/dev/null
    list="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/fusemount/src/test/resources/stress-ng.list"
    [ -s "$list" ] || { echo "no stressor list at $list" >&2; exit 2; }
    grep -vE '^\s*(#|$)' "$list" | while read -r s extra; do
        mkdir -p "$dir/$s"
        # shellcheck disable=SC2086 # the list's options are words
        (cd "$dir/$s" && timeout $((secs * 6 + 30)) stress-ng --"$s" 2 -t "${secs}s" --temp-path "$dir/$s" --verify \
            --metrics-brief $extra) > "$log-$s.log" 2>&1 </dev/null
        rc=$?
        echo "$s rc=$rc $(grep -iE 'fail|error' "$log-$s.log" | grep -vE 'passed: |failed: 0' | head -2 | tr '\n' ' ' | cut -c1-200)"
        rm -rf "${dir:?}/$s"
    done | tee "$log.summary"
    [ -s "$log.summary" ] && ! grep -qv ' rc=0 ' "$log.summary"
    ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
