package io.sserouter.contract;

/** Identifier rules shared by the topology (input validation) and the edge (request validation). */
public final class Ids {
    /** Execution and user ids end up in Redis key names and URLs: a conservative alphabet, bounded length. */
    public static final int MAX_LENGTH = 128;

    private Ids() {
    }

    /** 1 to 128 characters of {@code [A-Za-z0-9._:-]}. */
    public static boolean valid(String id) {
        return id != null && token(id);
    }

    /**
     * 1 to 128 characters of {@code [A-Za-z0-9._:-]}: checked for every field of every record read, where a regular
     * expression cost a few per cent of a stream thread.
     */
    static boolean token(String text) {
        int length = text.length();
        if (length == 0 || length > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }
}
