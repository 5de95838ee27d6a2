package io.sserouter.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** Signs test tokens. */
public final class Tokens {
    public static final String SECRET = "test-secret-of-sixty-four-bytes-so-that-hs512-signing-works-too!";

    private Tokens() {
    }

    static JWTClaimsSet.Builder claims(String sub, Instant exp) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().expirationTime(exp == null ? null : Date.from(exp));
        return sub == null ? claims : claims.subject(sub);
    }

    static String sign(JWTClaimsSet claims, JWSAlgorithm alg, String secret) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String user(String sub) {
        return sign(claims(sub, Instant.now().plusSeconds(3600)).build(), JWSAlgorithm.HS256, SECRET);
    }

    public static String admin(String sub) {
        return sign(claims(sub, Instant.now().plusSeconds(3600)).claim("roles", List.of("user", "admin")).build(), JWSAlgorithm.HS256, SECRET);
    }
}
