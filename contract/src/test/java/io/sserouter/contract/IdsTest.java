package io.sserouter.contract;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void anIdIsOneTo128CharactersOfTheKeySafeAlphabet() {
        assertTrue(Ids.valid("exec-2024.11:run_7"));
        assertTrue(Ids.valid("AZaz09"));
        assertTrue(Ids.valid("x".repeat(128)));
        assertFalse(Ids.valid("x".repeat(129)));
        assertFalse(Ids.valid(""));
        assertFalse(Ids.valid(null));
        for (String bad : new String[] {"a b", "a/b", "a{b}", "a\nb", "é", "a*", "a\u0000", "a,b", "a#b"}) {
            assertFalse(Ids.valid(bad), bad);
        }
    }

    @Test
    void anEventTypeHasTheSameAlphabetAndBound() {
        assertTrue(EventTypes.validSyntax("execution.completed"));
        assertTrue(EventTypes.validSyntax("pod:created-2"));
        assertFalse(EventTypes.validSyntax("execution completed"));
        assertFalse(EventTypes.validSyntax("done\r\nevent: x"));
        assertFalse(EventTypes.validSyntax(""));
        assertFalse(EventTypes.validSyntax("t".repeat(129)));
    }
}
