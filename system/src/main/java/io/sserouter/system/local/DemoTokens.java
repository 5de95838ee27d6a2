package io.sserouter.system.local;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/** HS256 tokens for a local run and for tests: a fresh secret each time, tokens signed with it. */
public final class DemoTokens {
    private final String secret;

    public DemoTokens() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The value for {@code SSE_JWT_SECRET}. */
    public String secret() {
        return secret;
    }

    public String user(String userId, Duration validFor) {
        return sign(userId, validFor, List.of("user"));
    }

    public String admin(String userId, Duration validFor) {
        return sign(userId, validFor, List.of("user", "admin"));
    }

    private String sign(String userId, Duration validFor, List<String> roles) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject(userId).issueTime(new Date()).expirationTime(Date.from(Instant.now().plus(validFor))).claim("roles", roles).build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
