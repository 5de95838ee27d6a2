package io.sserouter.edge.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.security.Key;
import java.text.ParseException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies JWTs with nimbus-jose-jwt. Exactly the configured algorithms are accepted: HS256 when a secret is set,
 * RS256 when a public key or a JWKS is set, and a token is checked only against the keys of its own {@code alg}, so
 * {@code alg: none}, any other algorithm and algorithm confusion (an HS256 token whose HMAC key is the RSA public
 * key) fail. {@code sub} and {@code exp} are required, {@code exp} and {@code nbf} are enforced with a small clock
 * skew, {@code iss} and {@code aud} when configured. The token itself never reaches a log.
 */
public final class TokenVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);

    /** A token that does not authenticate anyone; {@link #reason()} is the code sent to the client. */
    public static final class RejectedException extends Exception {
        private final String reason;

        RejectedException(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    public static final int MAX_TOKEN_CHARS = 4096;
    private static final int CLOCK_SKEW_SECONDS = 5;
    private static final int JWKS_TIMEOUT_MS = 2_000;

    private final ConfigurableJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final TrackedJwks jwks;

    public TokenVerifier(JwtSettings settings) {
        Key hmac = settings.hmacSecret() == null ? null : new SecretKeySpec(settings.hmacSecret(), "HmacSHA256");
        JWSKeySelector<SecurityContext> rsa = null;
        if (settings.rsaPublicKey() != null) {
            Key key = settings.rsaPublicKey();
            rsa = (header, context) -> List.of(key); // one fixed key: any kid names it
            jwks = null;
        } else if (settings.jwksUrl() != null) {
            jwks = new TrackedJwks(new URLBasedJWKSetSource<>(settings.jwksUrl(), new DefaultResourceRetriever(JWKS_TIMEOUT_MS, JWKS_TIMEOUT_MS, 64 * 1024)));
            JWKSource<SecurityContext> source = JWKSourceBuilder.create(jwks)
                    .cache(settings.jwksCacheTtl().toMillis(), JWKS_TIMEOUT_MS * 2L)
                    .rateLimited(settings.jwksMinRefresh().toMillis())
                    .outageTolerant(true) // keys already fetched keep working while the key server is down
                    .build();
            rsa = new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, source); // matches the token's kid; an unknown kid forces a (rate-limited) refetch
            warm(source);
        } else {
            jwks = null;
        }
        JWSKeySelector<SecurityContext> rs256 = rsa;
        processor.setJWSKeySelector((header, context) -> {
            JWSAlgorithm alg = header.getAlgorithm();
            if (JWSAlgorithm.HS256.equals(alg) && hmac != null) {
                return List.of(hmac);
            }
            if (JWSAlgorithm.RS256.equals(alg) && rs256 != null) {
                return rs256.selectJWSKeys(header, context);
            }
            return List.of();
        });
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        Set<String> required = new HashSet<>(Set.of("sub", "exp"));
        if (settings.issuer() != null) {
            exact.issuer(settings.issuer());
        }
        if (settings.audience() != null) {
            required.add("aud");
        }
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                settings.audience() == null ? null : Set.of(settings.audience()), exact.build(), required, null);
        claims.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** Fetches the key set once at start, so the first clients do not wait for it; a key server that is down only delays that. */
    private static void warm(JWKSource<SecurityContext> source) {
        try {
            source.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
        } catch (KeySourceException e) {
            LOG.warn("JWKS not available at start, tokens signed with RS256 are refused with 503 until it is: {}", e.toString());
        }
    }

    public Principal verify(String token) throws RejectedException {
        if (token == null || token.isBlank()) {
            throw new RejectedException("missing_token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new RejectedException("token_too_large");
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
        } catch (KeySourceException e) {
            // the key server being down is not the token's fault: the client should retry, not drop its token
            throw new RejectedException(jwks != null && jwks.down() ? "auth_unavailable" : "invalid_token");
        } catch (BadJOSEException | JOSEException | RuntimeException e) {
            throw new RejectedException("invalid_token");
        }
        String subject = claims.getSubject();
        if (!io.sserouter.contract.Ids.valid(subject)) {
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

    /** The key server's answer to the last fetch, so an unreachable key server is told apart from an unknown kid. */
    private static final class TrackedJwks implements JWKSetSource<SecurityContext> {
        private final URLBasedJWKSetSource<SecurityContext> delegate;
        private volatile boolean down;

        TrackedJwks(URLBasedJWKSetSource<SecurityContext> delegate) {
            this.delegate = delegate;
        }

        boolean down() {
            return down;
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refresh, long now, SecurityContext context) throws KeySourceException {
            try {
                JWKSet set = delegate.getJWKSet(refresh, now, context);
                if (down) {
                    LOG.info("JWKS {} is reachable again", delegate.getJWKSetURL());
                }
                down = false;
                return set;
            } catch (KeySourceException e) {
                if (!down) {
                    LOG.warn("JWKS {} could not be fetched: {}", delegate.getJWKSetURL(), e.toString());
                }
                down = true;
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
