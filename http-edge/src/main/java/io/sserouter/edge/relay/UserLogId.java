package io.sserouter.edge.relay;

/**
 * The id of an entry of a user's log ({@code {ms}-{n}}), which is also the {@code id:} of the user stream's events:
 * entries are ordered by it, and a client resumes after the one it names. {@code 0-0} comes before every entry.
 */
public record UserLogId(long ms, long n) implements Comparable<UserLogId> {
    public static final UserLogId ZERO = new UserLogId(0, 0);
    private static final int MAX_DIGITS = 18;

    /**
     * @throws IllegalArgumentException when it is not two non-negative integers of at most 18 ASCII digits joined by
     *                                  a dash
     */
    public static UserLogId parse(String text) {
        int dash = text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1 || !digits(text, 0, dash) || !digits(text, dash + 1, text.length())) {
            throw new IllegalArgumentException("'" + text + "' is not a user stream position ({ms}-{n})");
        }
        return new UserLogId(Long.parseLong(text, 0, dash, 10), Long.parseLong(text, dash + 1, text.length(), 10));
    }

    /** {@link #parse}, or {@link #ZERO} for null (an empty log, or none yet). */
    public static UserLogId parseOrZero(String text) {
        return text == null ? ZERO : parse(text);
    }

    private static boolean digits(String text, int from, int to) {
        if (to - from > MAX_DIGITS) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false; // ASCII only: Long.parseLong would also take other scripts' digits
            }
        }
        return true;
    }

    public boolean after(UserLogId other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(UserLogId other) {
        int byMs = Long.compare(ms, other.ms);
        return byMs != 0 ? byMs : Long.compare(n, other.n);
    }

    @Override
    public String toString() {
        return ms + "-" + n;
    }
}
