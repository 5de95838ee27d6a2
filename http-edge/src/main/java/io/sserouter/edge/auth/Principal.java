package io.sserouter.edge.auth;

import java.time.Instant;

/** Who a valid token speaks for, until when. */
public record Principal(String userId, boolean admin, Instant expiresAt) {
}
