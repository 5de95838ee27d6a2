package io.sserouter.edge.http;

import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.auth.TokenVerifier;

/** Finds the token of a request ({@code Authorization: Bearer} or {@code ?token=}, since EventSource cannot set headers). */
public final class Authenticator {
    private final TokenVerifier verifier;

    public Authenticator(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    Principal authenticate(Exchange exchange) {
        String header = exchange.header("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : exchange.queryParam("token");
        try {
            return verifier.verify(token);
        } catch (TokenVerifier.RejectedException e) {
            if (e.reason().equals("auth_unavailable")) {
                exchange.header("Retry-After", "5");
                throw ApiError.of(503, e.reason(), "the keys to verify the token cannot be fetched now; retry later");
            }
            exchange.header("WWW-Authenticate", "Bearer");
            throw ApiError.of(401, e.reason(), switch (e.reason()) {
                case "missing_token" -> "a bearer token is required (Authorization header or ?token=)";
                case "token_expired" -> "the token has expired";
                case "token_not_yet_valid" -> "the token is not valid yet";
                case "malformed_token" -> "the token is not a JWT";
                case "token_too_large" -> "the token is longer than " + TokenVerifier.MAX_TOKEN_CHARS + " characters";
                default -> "the token is not valid";
            });
        }
    }
}
