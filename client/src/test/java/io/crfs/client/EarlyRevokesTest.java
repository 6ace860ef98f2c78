package io.crfs.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.crfs.format.Key;
import io.crfs.protocol.Message;
import org.junit.jupiter.api.Test;

/** When a REVOKE of a grant not held waits for the ACQUIREs that may still bring it, and when it is settled. */
class EarlyRevokesTest {
    private static Message.Revoke revoke(long id, long grant) {
        return new Message.Revoke(id, grant, Key.first(300), Key.last(300), 0);
    }

    @Test
    void withNoAcquireOutARevokeOfAGrantNotHeldIsAnsweredAtOnce() {
        EarlyRevokes e = new EarlyRevokes();
        assertThat(e.mustWait(revoke(1, 9))).isFalse();
        long s = e.sending();
        assertThat(e.done(s)).isEmpty();
        assertThat(e.mustWait(revoke(2, 9))).isFalse();
    }

    @Test
    void aRevokeThatOvertookItsGrantsInstallIsHandedBackWithIt() {
        EarlyRevokes e = new EarlyRevokes();
        long s = e.sending();
        Message.Revoke r = revoke(1, 42);
        assertThat(e.mustWait(r)).isTrue();
        assertThat(e.installed(41)).isNull();
        assertThat(e.installed(42)).isEqualTo(r);
        assertThat(e.done(s)).isEmpty();
        assertThat(e.waitingCount()).isZero();
    }

    @Test
    void aRevokeWaitsForEveryAcquireSentBeforeItAndNoLaterOne() {
        EarlyRevokes e = new EarlyRevokes();
        long s1 = e.sending();
        long s2 = e.sending();
        Message.Revoke r = revoke(1, 7); // a grant already dropped here, or one of s1's or s2's
        assertThat(e.mustWait(r)).isTrue();
        long s3 = e.sending(); // sent after the REVOKE came: its grant cannot be the one revoked
        assertThat(e.done(s2)).isEmpty(); // s1 may still bring grant 7
        assertThat(e.done(s1)).containsExactly(r);
        // handed back: the grant is not held, so it is gone and the revoke is answered
        assertThat(e.mustWait(r)).isFalse();
        assertThat(e.done(s3)).isEmpty();
        assertThat(e.waitingCount()).isZero();
    }
}
