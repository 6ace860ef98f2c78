package io.crfs.cli.oracle;

import java.nio.file.Path;
import java.util.List;

/**
 * Host trees to copy through crfs and the kernel, built by shell tools (mkfifo, mknod, setfattr,
 * truncate, dd, chown, touch) so that the fixture, like the oracles, owes nothing to crfs code.
 * Need root (chown, mknod, trusted/security xattrs).
 */
public final class Fixtures {
    private Fixtures() {}

    /** A few of everything: nested dirs, a hard link, symlink, fifo, xattrs, sparse file, setuid, owners. */
    public static void small(Path dir) {
        bash(dir, """
                mkdir -p sub/deeper
                printf 'hello crfs\\n' > sub/hello.txt
                head -c 100000 /dev/urandom > sub/deeper/random.bin
                ln sub/hello.txt hardlink.txt
                ln -s sub/hello.txt symlink
                mkfifo fifo
                setfattr -n user.color -v red sub/hello.txt
                setfattr -n trusted.crfs -v 0x00ff7f sub
                setfattr -n security.crfs -v label sub/deeper/random.bin
                truncate -s 8M sparse.bin
                dd if=/dev/urandom of=sparse.bin bs=4096 count=2 seek=1000 conv=notrunc status=none
                printf 'x' > suid; chmod 4755 suid
                chown 1234:5678 sub/deeper/random.bin
                chown -h 42:43 symlink
                touch -h -d '2001-02-03 04:05:06.123456789' symlink
                touch -d '2011-12-13 14:15:16.987654321' sub/deeper
                """);
    }

    /**
     * The acceptance tree: nested dirs, 2100 small files of many sizes (inline and
     * regular extents), files around the inline and sector boundaries, hard links (across dirs and
     * to a fifo), relative/absolute/dangling/long symlinks, fifo, socket, char and block devices,
     * xattrs in user/trusted/security (on files, dirs, symlinks; a 3000-byte value), sparse and
     * all-hole files, a 120 MiB file, names with spaces, newlines, UTF-8, 255 bytes, setuid/setgid/
     * sticky bits, several owners and odd timestamps (ns, far future, before 1970).
     */
    public static void acceptance(Path dir) {
        bash(dir, """
                mkdir -p a/b/c/d/e/f/g 'dir with spaces' 'ünïcödé-目录' sticky
                for i in $(seq 1 2100); do
                  d=bulk/$((i % 23))
                  [ -d "$d" ] || mkdir -p "$d"
                  printf 'file %d\\n%0*d' "$i" $(( (i * 37) % 3000 )) 0 > "$d/f$i"
                done
                mkdir sizes
                for n in 0 1 2047 2048 2049 4095 4096 4097 8191 65536 65537 1048575 1048577 3000000; do
                  head -c $n /dev/urandom > sizes/$n
                done
                head -c 120M /dev/urandom > a/b/big-120MiB.bin
                printf 'deep\\n' > a/b/c/d/e/f/g/deep.txt
                ln bulk/1/f1 hard1
                ln bulk/1/f1 'dir with spaces/hard2'
                ln bulk/1/f1 a/b/c/hard3
                mkfifo fifo
                ln fifo 'dir with spaces/fifo-link'
                perl -MSocket -e 'socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die $!; bind($s, pack_sockaddr_un("socket")) or die $!'
                mknod chardev c 1 3
                mknod blockdev b 7 200
                ln -s bulk/1/f1 sym-rel
                ln -s /etc/passwd sym-abs
                ln -s nowhere/at/all sym-dangling
                ln -s "$(head -c 1000 /dev/zero | tr '\\0' 'x')" sym-long
                ln -s ../../.. a/b/c/sym-up
                printf 'spaces\\n' > 'dir with spaces/name with spaces.txt'
                printf 'utf8\\n' > 'ünïcödé-目录/日本語ファイル.txt'
                printf 'emoji\\n' > 'ünïcödé-目录/emoji-😀'
                printf 'nl\\n' > "$(printf 'new\\nline')"
                printf 'long\\n' > "$(head -c 255 /dev/zero | tr '\\0' 'n')"
                printf 'long utf8\\n' > "$(for i in $(seq 85); do printf '日'; done)"
                setfattr -n user.color -v red bulk/2/f2
                setfattr -n user.empty bulk/3/f3
                setfattr -n user.big -v "$(head -c 3000 /dev/zero | tr '\\0' 'v')" bulk/4/f4
                setfattr -n trusted.t -v 0x00ff10ab a/b
                setfattr -n security.s -v label sizes/4096
                setfattr -n user.dir -v yes 'dir with spaces'
                setfattr -h -n trusted.on-symlink -v 1 sym-rel
                setfattr -n trusted.on-fifo -v 2 fifo
                for k in 1 2 3 4 5 6 7 8 9 10; do setfattr -n user.many$k -v value$k bulk/5/f5; done
                setfacl -m u:nobody:r--,g:nogroup:rw- bulk/2/f2
                setfacl -d -m u:nobody:rwx,o::--- 'dir with spaces'
                truncate -s 50M sparse
                dd if=/dev/urandom of=sparse bs=4096 count=3 seek=1000 conv=notrunc status=none
                dd if=/dev/urandom of=sparse bs=4096 count=1 seek=9000 conv=notrunc status=none
                truncate -s 10M all-hole
                printf 'x' > suid; chmod 4755 suid
                printf 'x' > sgid; chmod 2711 sgid
                printf 'x' > both; chmod 6555 both
                printf 'x' > none; chmod 0000 none
                chmod 1777 sticky
                chmod 2775 a/b/c
                chown 1000:1000 bulk/6/f6
                chown 12345:54321 sizes/65537
                chown 65534:65534 'dir with spaces'
                chown -h 777:888 sym-abs
                chown 4000000000:4000000001 bulk/7/f7
                touch -d '2001-02-03 04:05:06.123456789' bulk/8/f8
                touch -d '2100-01-01 00:00:00.000000001' bulk/9/f9
                touch -d '1960-06-15 12:00:00.5' bulk/10/f10
                touch -h -d '1999-12-31 23:59:59.999999999' sym-dangling
                touch -d '2011-12-13 14:15:16.987654321' a/b/c/d
                """);
    }

    /** Runs a bash script with {@code set -euo pipefail} in dir, failing with its output. */
    public static void bash(Path dir, String script) {
        Sh.run(List.of("bash", "-c", "set -euo pipefail\ncd \"$1\"\n" + script, "fixture", dir.toString()), 600).check();
    }
}
