package io.sserouter.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;

/**
 * Verifies HS256 JWTs with nimbus-jose-jwt: only the configured algorithm is accepted (so {@code alg: none} and
 * algorithm confusion fail), the signature must match, {@code sub} and {@code exp} are required, {@code exp} and
 * {@code nbf} are enforced with a small clock skew. The token itself never reaches a log.
 */
final class TokenVerifier {
    /** Who a valid token speaks for. */
    record Principal(String userId, boolean admin, Instant expiresAt) {
    }

    /** A token that does not authenticate anyone; {@link #reason()} is the code sent to the client. */
    static final class RejectedException extends Exception {
        private final String reason;

        RejectedException(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }

    private static final int CLOCK_SKEW_SECONDS = 5;

    private final ConfigurableJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    TokenVerifier(byte[] secret) {
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(secret)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null, new JWTClaimsSet.Builder().build(), Set.of("sub", "exp"));
        claims.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
    }

    Principal verify(String token) throws RejectedException {
        if (token == null || token.isBlank()) {
            throw new RejectedException("missing_token");
        }
        if (token.length() > 8192) {
            throw new RejectedException("malformed_token");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new RejectedException("malformed_token");
        } catch (BadJWTException e) {
            String message = String.valueOf(e.getMessage());
            throw new RejectedException(message.contains("Expired") ? "token_expired"
                    : message.contains("before use time") ? "token_not_yet_valid" : "invalid_token");
        } catch (BadJOSEException | JOSEException | RuntimeException e) {
            throw new RejectedException("invalid_token");
        }
        String subject = claims.getSubject();
        if (!io.sserouter.config.Ids.valid(subject)) {
            throw new RejectedException("invalid_token");
        }
        return new Principal(subject, admin(claims.getClaim("roles")), claims.getExpirationTime().toInstant());
    }

    private static boolean admin(Object roles) {
        if (roles instanceof Collection<?> list) {
            return list.contains("admin");
        }
        return "admin".equals(roles);
    }
}
