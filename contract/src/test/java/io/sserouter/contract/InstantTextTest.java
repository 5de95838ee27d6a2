package io.sserouter.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Instants read by arithmetic give what java.time's parser gives; anything else is left to it. */
class InstantTextTest {
    @Test
    void instantsAsJavaPrintsThemReadAsJavaParsesThem() {
        Random random = new Random(42);
        long from = Instant.parse("1900-01-01T00:00:00Z").getEpochSecond();
        long to = Instant.parse("2200-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            Instant instant = Instant.ofEpochSecond(from + (long) (random.nextDouble() * (to - from)),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
            String text = instant.toString(); // no fraction, or 3, 6 or 9 digits of it
            assertEquals(instant.toEpochMilli(), InstantText.utcMillis(text), text);
            assertTrue(InstantText.isCanonical(text), text);
        }
        for (String text : new String[] {"2024-02-29T23:59:59.9Z", "2000-02-29T00:00:00.12Z", "1970-01-01T00:00:00Z",
                "1969-12-31T23:59:59.9999Z", "2026-12-31T23:59:59.12345678Z"}) {
            assertEquals(Instant.parse(text).toEpochMilli(), InstantText.utcMillis(text), text);
        }
    }

    @Test
    void otherFormsAndWhatIsNoInstantAreLeftToJavaTime() {
        for (String text : new String[] {"", "yesterday", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-24T25:00:00Z",
                "2026-11-24T24:00:00Z", "2026-11-24T08:00:00.Z", "2026-11-24T08:00:00.1234567890Z", "2026-11-24 08:00:00Z",
                "2026-11-24T10:00:00.250+02:00", "2026-11-24T08:00:00z"}) {
            assertEquals(Long.MIN_VALUE, InstantText.utcMillis(text), text);
            assertFalse(InstantText.isCanonical(text), text);
        }
        assertFalse(InstantText.isCanonical("2026-11-24T08:00:00.25Z"), "Java prints 250");
        assertFalse(InstantText.isCanonical("2026-11-24T08:00:00.000Z"), "Java prints no fraction");
        assertEquals(Instant.parse("2026-11-24T08:00:00.25Z").toEpochMilli(), InstantText.utcMillis("2026-11-24T08:00:00.25Z"));
    }
}
