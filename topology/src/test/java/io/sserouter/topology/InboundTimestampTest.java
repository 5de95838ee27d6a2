package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.InstantText;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A textual timestamp is normalised to what {@link Instant#toString()} writes; the fast path that keeps an already
 * canonical one as it is must give exactly what the JDK's parsers give ({@code parsed}), for every input.
 */
class InboundTimestampTest {
    private static final String NEAR = "0123456789-T:.Z+tz 6";

    @Test
    void anInstantAsJavaWritesItIsKeptAsItIs() {
        Random random = new Random(42);
        List<ChronoUnit> precisions = List.of(ChronoUnit.SECONDS, ChronoUnit.MILLIS, ChronoUnit.MICROS, ChronoUnit.NANOS);
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(min + (long) (random.nextDouble() * (max - min)), random.nextInt(1_000_000_000))
                    .truncatedTo(precisions.get(i % precisions.size()));
            String text = instant.toString();
            assertTrue(InstantText.isCanonical(text), text);
            assertEquals(text, InboundDeserializer.normalized(text));
        }
    }

    @Test
    void anythingElseIsParsedAsBefore() {
        for (String text : List.of("2026-11-30T10:00:00.000Z", "2026-11-30T10:00:00.100000Z", "2026-11-30T10:00:00.123456000Z",
                "2026-11-30t10:00:00z", "2026-11-30T10:00:00+01:00", "2026-11-30T10:00:00", "2026-11-30T10:00Z",
                "2026-11-30T23:59:60Z", "2024-02-29T12:00:00Z", "+10000-01-01T00:00:00Z")) {
            assertEquals(InboundDeserializer.parsed(text), InboundDeserializer.normalized(text), text);
        }
        for (String text : List.of("2026-02-29T12:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-30T24:00:00Z",
                "2026-11-30T10:60:00Z", "2026-11-30T10:00:00.1234Z", "2026-11-30 10:00:00Z", "yesterday", "")) {
            assertFalse(InstantText.isCanonical(text), text);
            assertEquals(InboundDeserializer.parsed(text), InboundDeserializer.normalized(text), text);
        }
        assertNull(InboundDeserializer.normalized("2026-02-29T12:00:00Z"));
    }

    @Test
    void nearMissesOfCanonicalInstantsAreParsedAsBefore() {
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            char[] text = Instant.ofEpochSecond(random.nextInt(2_000_000_000), random.nextInt(4) * 250_000_000L).toString().toCharArray();
            text[random.nextInt(text.length)] = NEAR.charAt(random.nextInt(NEAR.length()));
            String mutated = new String(text);
            assertEquals(InboundDeserializer.parsed(mutated), InboundDeserializer.normalized(mutated), mutated);
        }
    }
}
