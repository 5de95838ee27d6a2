package io.sserouter.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * The identities of an execution's latest events ({@link Inbound#dedupId}), to recognise a repeat, kept as 64-bit
 * fingerprints in arrival order. The state carries them in every put, and so in every changelog record: an
 * execution with hundreds of events carries the whole window ({@code SSE_DEDUP_WINDOW}, 256 by default) in each,
 * 8 bytes an identity where the identities themselves take 40 or more (an event id that is a UUID, or a source
 * stamp). A fingerprint is the first 8 bytes of the identity's SHA-256: two different identities of one execution
 * share one with a probability of about one in 2^64 per pair, which at the default window is one event in 7·10^16.
 */
final class RecentIds {
    static final RecentIds NONE = new RecentIds(new long[0]);

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    });

    private final long[] fingerprints;

    private RecentIds(long[] fingerprints) {
        this.fingerprints = fingerprints;
    }

    /** The fingerprints given, oldest first; the array becomes this object's and must not change after. */
    static RecentIds of(long... fingerprints) {
        return fingerprints.length == 0 ? NONE : new RecentIds(fingerprints);
    }

    /** From the identities themselves, as states stored before the fingerprints held them. */
    static RecentIds ofIdentities(List<String> identities) {
        long[] fingerprints = new long[identities.size()];
        for (int i = 0; i < fingerprints.length; i++) {
            fingerprints[i] = fingerprint(identities.get(i));
        }
        return of(fingerprints);
    }

    static long fingerprint(String identity) {
        MessageDigest sha = SHA256.get();
        byte[] digest = sha.digest(identity.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (digest[i] & 0xFF);
        }
        return value;
    }

    boolean contains(String identity) {
        long fingerprint = fingerprint(identity);
        for (long kept : fingerprints) {
            if (kept == fingerprint) {
                return true;
            }
        }
        return false;
    }

    /** These identities and {@code identity}, the latest {@code window} of them. */
    RecentIds with(String identity, int window) {
        int keep = Math.min(fingerprints.length, window - 1);
        long[] next = new long[keep + 1];
        System.arraycopy(fingerprints, fingerprints.length - keep, next, 0, keep);
        next[keep] = fingerprint(identity);
        return new RecentIds(next);
    }

    int size() {
        return fingerprints.length;
    }

    long get(int index) {
        return fingerprints[index];
    }

    /** The JSON store format: an array of numbers. */
    @JsonValue
    long[] fingerprints() {
        return fingerprints.clone();
    }

    /** Numbers as this class writes them, or the identities as strings, as states stored before it held them. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static RecentIds fromJson(JsonNode array) {
        if (array == null || array.isNull()) {
            return NONE;
        }
        long[] fingerprints = new long[array.size()];
        for (int i = 0; i < fingerprints.length; i++) {
            JsonNode item = array.get(i);
            fingerprints[i] = item.isTextual() ? fingerprint(item.asText()) : item.asLong();
        }
        return of(fingerprints);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RecentIds ids && Arrays.equals(fingerprints, ids.fingerprints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(fingerprints);
    }

    @Override
    public String toString() {
        return fingerprints.length + " recent identities";
    }
}
