package io.crfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each of {@link FuseMount.Options}'s withers changes exactly its own fields. */
class OptionsTest {
    private static final FuseMount.Options BASE = FuseMount.Options.defaults();

    /** The names of the components that differ between two options. */
    private static List<String> changed(FuseMount.Options a, FuseMount.Options b) throws Exception {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : FuseMount.Options.class.getRecordComponents()) {
            if (!java.util.Objects.equals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                out.add(c.getName());
            }
        }
        return out;
    }

    @Test
    void eachWitherChangesOnlyItsFields() throws Exception {
        assertThat(changed(BASE, BASE.withWorkers(3))).containsExactly("workers");
        assertThat(BASE.withWorkers(3).workers()).isEqualTo(3);
        assertThat(changed(BASE, BASE.withFusermount(!BASE.fusermount()))).containsExactly("fusermount");
        assertThat(changed(BASE, BASE.withReaddirplus(!BASE.readdirplus()))).containsExactly("readdirplus");
        assertThat(changed(BASE, BASE.withLocks(!BASE.locks()))).containsExactly("locks");
        assertThat(changed(BASE, BASE.withAutoInvalData(!BASE.autoInvalData()))).containsExactly("autoInvalData");
        assertThat(changed(BASE, BASE.withUring(!BASE.uring()))).containsExactly("uring");
        assertThat(changed(BASE, BASE.withNames("a", "b"))).containsExactly("fsName", "subtype");
        FuseMount.Options k = BASE.withKernelChecks(!BASE.handleKillpriv(), !BASE.defaultPermissions(), !BASE.posixAcl());
        assertThat(changed(BASE, k)).containsExactly("handleKillpriv", "defaultPermissions", "posixAcl");
    }

    @Test
    void aWitherChecksWhatItMakes() {
        assertThatThrownBy(() -> BASE.withWorkers(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BASE.withNames("a,b", "c")).isInstanceOf(IllegalArgumentException.class);
    }
}
