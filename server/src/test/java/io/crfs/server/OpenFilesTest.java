package io.crfs.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OpenFilesTest {
    @Test
    void aReportReplacesWhatTheSessionSaidBeforeForItsRangeOnly() {
        OpenFiles o = new OpenFiles();
        o.report(1, 256, 300, List.of(257L, 260L));
        o.report(1, 400, 400, List.of(400L));
        o.report(2, 256, 300, List.of(260L));
        assertThat(o.elsewhere(3, 0, -1L)).containsExactly(257L, 260L, 400L);
        assertThat(o.elsewhere(1, 256, 300)).containsExactly(260L);
        assertThat(o.elsewhere(2, 256, 300)).containsExactly(257L, 260L);

        o.report(1, 259, 261, List.of()); // closed 260, says nothing of 257
        assertThat(o.elsewhere(2, 256, 300)).containsExactly(257L);
        assertThat(o.elsewhere(3, 256, 300)).containsExactly(257L, 260L);
        assertThat(o.elsewhere(3, 400, 400)).containsExactly(400L);
    }

    @Test
    void inodesOutsideTheReportedRangeAreIgnoredAndAnEndedSessionHasNothingOpen() {
        OpenFiles o = new OpenFiles();
        o.report(1, 256, 256, List.of(256L, 999L)); // 999 is not the range given up: not believed
        assertThat(o.elsewhere(2, 0, -1L)).containsExactly(256L);
        o.report(2, -512L, -300L, List.of(-400L)); // unsigned order: near the top of the objectids
        assertThat(o.elsewhere(3, 0, -1L)).containsExactly(256L, -400L);
        o.report(2, 256, 256, List.of(256L));
        o.report(1, 300, 300, List.of(300L));
        assertThat(o.forget(1)).as("what only session 1 had open").containsExactly(300L);
        assertThat(o.forget(2)).containsExactly(256L, -400L);
        o.report(2, -512L, -300L, List.of(-400L));
        assertThat(o.elsewhere(3, 0, -1L)).containsExactly(-400L);
        assertThat(o.size()).isEqualTo(1);
        o.deleted(-400L);
        assertThat(o.size()).isZero();
    }
}
