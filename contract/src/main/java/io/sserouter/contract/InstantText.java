package io.sserouter.contract;

import java.time.LocalDate;
import java.time.Month;
import java.time.Year;

/**
 * Instants in the text Java prints them as ({@code 2026-11-24T08:00:00.250Z}), the form every envelope's
 * {@code timestamp} is written in, read by arithmetic: java.time's parser allocates a parse context and a map of
 * fields for each, which the topology (once per input record) and the edge (once per message) cannot afford.
 */
public final class InstantText {
    private InstantText() {
    }

    /**
     * Whether {@code text} is already what {@link java.time.Instant#toString()} makes of it: {@code yyyy-MM-ddTHH:mm:ss},
     * then no fraction or one of 3, 6 or 9 digits whose last three are not all zero, then {@code Z}; a valid date and time.
     */
    public static boolean isCanonical(String text) {
        int length = text.length();
        return (length == 20 || length == 24 || length == 27 || length == 30) && valid(text)
                && (length == 20 || digits(text, length - 4, 3) != 0);
    }

    /**
     * The epoch milliseconds of {@code yyyy-MM-ddTHH:mm:ss[.f]Z} with 1 to 9 digits of fraction (truncated to the
     * millisecond, as {@link java.time.Instant#toEpochMilli()} does), or {@link Long#MIN_VALUE} for anything else.
     */
    public static long utcMillis(String text) {
        if (!valid(text)) {
            return Long.MIN_VALUE;
        }
        int fraction = text.length() - 21; // the digits between '.' and 'Z'; -1 without a fraction
        int millis = 0;
        if (fraction > 0) {
            millis = digits(text, 20, Math.min(3, fraction));
            for (int i = fraction; i < 3; i++) {
                millis *= 10;
            }
        }
        long days = LocalDate.of(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2)).toEpochDay();
        return ((days * 24 + digits(text, 11, 2)) * 60 + digits(text, 14, 2)) * 60_000 + digits(text, 17, 2) * 1_000L + millis;
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f]Z}, 1 to 9 digits of fraction, a valid date and time. */
    private static boolean valid(String text) {
        int length = text.length();
        if (length < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
                || text.charAt(16) != ':' || text.charAt(length - 1) != 'Z') {
            return false;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > Month.of(month).length(Year.isLeap(year))) {
            return false;
        }
        int fraction = length - 21;
        return length == 20 || (text.charAt(19) == '.' && fraction >= 1 && fraction <= 9 && digits(text, 20, fraction) >= 0);
    }

    /** The decimal number of {@code count} digits at {@code from}, or -1 when one is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
