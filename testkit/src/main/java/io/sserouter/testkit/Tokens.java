package io.sserouter.testkit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Signs the tokens the edge accepts: HS256 with a secret ({@code SSE_JWT_SECRET}) or RS256 with a key whose public
 * half the edge is given. A token names its user in {@code sub}, expires ({@code exp}) and lists {@code roles}
 * ({@code admin} lifts ownership checks and limits).
 */
public final class Tokens {
    private final JWSAlgorithm algorithm;
    private final JWSSigner signer;
    private final String secret;
    private final RSAKey key;

    private Tokens(JWSAlgorithm algorithm, JWSSigner signer, String secret, RSAKey key) {
        this.algorithm = algorithm;
        this.signer = signer;
        this.secret = secret;
        this.key = key;
    }

    /** HS256 with a fresh random secret of 256 bits. */
    public static Tokens hs256() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return hs256(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** HS256 with {@code secret} (at least 32 bytes, as the edge requires). */
    public static Tokens hs256(String secret) {
        try {
            return new Tokens(JWSAlgorithm.HS256, new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), secret, null);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("an HS256 secret needs at least 32 bytes", e);
        }
    }

    /** RS256 with {@code key}; its {@code kid}, if any, goes into each token's header. */
    public static Tokens rs256(RSAKey key) {
        try {
            return new Tokens(JWSAlgorithm.RS256, new RSASSASigner(key), null, key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** RS256 with a fresh 2048-bit key of id {@code kid}. */
    public static Tokens rs256(String kid) {
        try {
            return rs256(new RSAKeyGenerator(2048).keyID(kid).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value for {@code SSE_JWT_SECRET}; null for RS256. */
    public String secret() {
        return secret;
    }

    /** The RS256 key (its public half for the edge, {@code key().toPublicJWK()}); null for HS256. */
    public RSAKey key() {
        return key;
    }

    /** The public key as PEM, the value for {@code SSE_JWT_PUBLIC_KEY}; null for HS256. */
    public String publicKeyPem() {
        return key == null ? null : publicKeyPem(key);
    }

    /** {@code key}'s public half as PEM, whatever its size (a key too small to sign with, for a test that expects it refused). */
    public static String publicKeyPem(RSAKey key) {
        try {
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.toRSAPublicKey().getEncoded());
            return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String user(String userId, Duration validFor) {
        return token(userId, validFor, List.of("user"));
    }

    public String admin(String userId, Duration validFor) {
        return token(userId, validFor, List.of("user", "admin"));
    }

    public String token(String userId, Duration validFor, List<String> roles) {
        return sign(claims(userId, Instant.now().plus(validFor)).issueTime(new Date()).claim("roles", roles).build());
    }

    /** Any claims, signed with this signer's algorithm and key: for tokens that are odd on purpose. */
    public String sign(JWTClaimsSet claims) {
        JWSHeader header = key == null ? new JWSHeader(algorithm) : new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build();
        return sign(claims, header, signer);
    }

    /** {@code sub} and {@code exp} (either may be null, to leave it out). */
    public static JWTClaimsSet.Builder claims(String userId, Instant expires) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().expirationTime(expires == null ? null : Date.from(expires));
        return userId == null ? claims : claims.subject(userId);
    }

    /** {@code claims} signed with an HMAC {@code algorithm} and {@code secret}: a wrong algorithm or secret on purpose. */
    public static String sign(JWTClaimsSet claims, JWSAlgorithm algorithm, String secret) {
        try {
            return sign(claims, new JWSHeader(algorithm), new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** {@code claims} signed with an HMAC {@code algorithm} and raw key bytes: an RSA public key's bytes as the secret, say. */
    public static String sign(JWTClaimsSet claims, JWSAlgorithm algorithm, byte[] secret) {
        try {
            return sign(claims, new JWSHeader(algorithm), new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** {@code claims} signed by {@code key} (its {@code kid} in the header) with another RSA {@code algorithm}: RS512, PS256. */
    public static String sign(JWTClaimsSet claims, JWSAlgorithm algorithm, RSAKey key) {
        try {
            return sign(claims, new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String sign(JWTClaimsSet claims, JWSHeader header, JWSSigner signer) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
