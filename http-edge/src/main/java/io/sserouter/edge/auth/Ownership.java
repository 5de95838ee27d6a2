package io.sserouter.edge.auth;

/** Who may read an execution: its owner, and admins all. */
public final class Ownership {
    private Ownership() {
    }

    /** False for an unknown owner (null) unless admin: a stream then waits until the owner is known. */
    public static boolean mayRead(Principal principal, String owner) {
        return principal.admin() || principal.userId().equals(owner);
    }
}
