package io.sserouter.contract;

import java.util.regex.Pattern;

/** Identifier rules shared by the topology (input validation) and the edge (request validation). */
public final class Ids {
    /** Execution and user ids end up in Redis key names and URLs: a conservative alphabet, bounded length. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private Ids() {
    }

    public static boolean valid(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
