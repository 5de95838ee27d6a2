package io.sserouter.edge.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The user stream's cursor: a user-log entry id, ordered as Redis orders them, and nothing else accepted. */
class UserLogIdTest {
    @Test
    void ordersByMillisecondsThenSequence() {
        assertTrue(UserLogId.parse("1764460800000-10").after(UserLogId.parse("1764460800000-9")), "numbers, not text");
        assertTrue(UserLogId.parse("1764460800001-0").after(UserLogId.parse("1764460800000-99")));
        assertTrue(UserLogId.parse("1-0").after(UserLogId.ZERO));
        assertEquals("1764460800000-3", UserLogId.parse("1764460800000-3").toString());
        assertEquals(UserLogId.ZERO, UserLogId.parseOrZero(null));
    }

    @Test
    void refusesWhatNoUserStreamSent() {
        for (String bad : new String[] {"", "12", "12.3", "-1", "1-", "-", "1-2-3", "a-1", "1-b", " 1-2", "1234567890123456789-0", "١-٢"}) {
            assertThrows(IllegalArgumentException.class, () -> UserLogId.parse(bad), bad);
        }
    }
}
