package io.crfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The warm start initialises the listed classes in order and skips, without failing, what it cannot. */
class WarmStartTest {
    static final List<String> INITIALISED = new CopyOnWriteArrayList<>();

    static final class First {
        static {
            INITIALISED.add("First");
        }
    }

    static final class Second {
        static {
            INITIALISED.add("Second");
        }
    }

    static final class Failing {
        static {
            if (INITIALISED != null) {
                throw new IllegalStateException("this initialiser always fails");
            }
        }
    }

    @Test
    void initialisesListedClassesInOrderAndNotesTheRest() {
        // class literals name a class without initialising it
        List<String> names = List.of(Second.class.getName(), "", "  " + First.class.getName() + "  ",
                "io.crfs.cli.NoSuchClass", Failing.class.getName(), Second.class.getName());
        assertThat(INITIALISED).isEmpty();

        WarmStart.Result r = WarmStart.initialize(names, WarmStartTest.class.getClassLoader());

        assertThat(INITIALISED).containsExactly("Second", "First");
        assertThat(r.initialized()).isEqualTo(3);
        assertThat(r.notFound()).containsExactly("io.crfs.cli.NoSuchClass");
        assertThat(r.failed()).singleElement().satisfies(failing -> assertThat(failing)
                .startsWith(Failing.class.getName() + " (").contains("this initialiser always fails"));
    }
}
