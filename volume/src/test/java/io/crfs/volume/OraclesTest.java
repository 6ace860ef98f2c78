package io.crfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The problem detector on real btrfs check output: the clean summary is not an error, real errors are. */
class OraclesTest {
    @Test
    void cleanOutputHasNoProblem() {
        String clean = """
                Opening filesystem to check...
                Checking filesystem on t.img
                UUID: 92aa64d6-c64b-417e-8dc0-9f2be97eb5c0
                [1/7] checking root items
                [2/7] checking extents
                [3/7] checking free space tree
                [4/7] checking fs roots
                [5/7] checking csums against data
                [6/7] checking root refs
                [7/7] checking quota groups skipped (not enabled on this FS)
                found 147456 bytes used, no error found
                total csum bytes: 0
                """;
        assertThat(Oracles.firstProblem(clean)).isNull();
    }

    @Test
    void errorsAreFound() {
        assertThat(Oracles.firstProblem("ERROR: errors found in fs roots\n")).isNotNull();
        assertThat(Oracles.firstProblem("root 5 inode 257 errors 2001, no inode item, link count wrong\n")).isNotNull();
        assertThat(Oracles.firstProblem("mirror 1 bytenr 13631488 csum 0x1 expected csum 0x2\nbad tree block 1234\n")).isNotNull();
        assertThat(Oracles.firstProblem("ref mismatch on [13631488 16384] extent item 1, found 0\n")).isNotNull();
    }
}
