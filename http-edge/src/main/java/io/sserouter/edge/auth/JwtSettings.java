package io.sserouter.edge.auth;

import io.sserouter.config.Env;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;

/**
 * How tokens are verified. HS256 with {@code hmacSecret}, RS256 with {@code rsaPublicKey} or the keys of
 * {@code jwksUrl}; both families may be configured together (while moving from one to the other), and then each
 * token is checked only against the keys of its own {@code alg}.
 *
 * @param hmacSecret      the HS256 secret, null when HS256 is not accepted
 * @param rsaPublicKey    a fixed RS256 key, null when none is configured
 * @param jwksUrl         where RS256 keys are fetched (by {@code kid}), null when none is configured
 * @param jwksCacheTtl    how long a fetched key set is used before it is fetched again
 * @param jwksMinRefresh  the shortest time between two fetches forced by an unknown {@code kid}, so forged kids
 *                        cannot hammer the key server
 * @param issuer          the required {@code iss}, null for any
 * @param audience        a value {@code aud} must contain, null for any
 */
public record JwtSettings(byte[] hmacSecret, RSAPublicKey rsaPublicKey, URL jwksUrl, Duration jwksCacheTtl, Duration jwksMinRefresh,
                          String issuer, String audience) {
    static final int MIN_SECRET_BYTES = 32;
    static final int MIN_RSA_BITS = 2048;

    public static JwtSettings fromEnv(Env env) {
        RSAPublicKey key = publicKey(env);
        URL jwks = jwksUrl(env);
        if (key != null && jwks != null) {
            env.problem("set either SSE_JWT_PUBLIC_KEY(_FILE) or SSE_JWT_JWKS_URL, not both");
        }
        byte[] secret = null;
        String rawSecret = env.raw("SSE_JWT_SECRET");
        if (rawSecret == null && key == null && jwks == null && !rs256Configured(env)) {
            env.problem("SSE_JWT_SECRET is required but not set (or configure RS256 with SSE_JWT_PUBLIC_KEY, SSE_JWT_PUBLIC_KEY_FILE or SSE_JWT_JWKS_URL)");
        } else if (rawSecret != null) {
            secret = rawSecret.getBytes(StandardCharsets.UTF_8);
            if (secret.length < MIN_SECRET_BYTES) {
                env.problem("SSE_JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes (256 bits) for HS256");
            }
        }
        return new JwtSettings(secret, key, jwks,
                Duration.ofSeconds(env.integer("SSE_JWT_JWKS_CACHE_SECONDS", 300, 1, 86_400)),
                Duration.ofSeconds(env.integer("SSE_JWT_JWKS_MIN_REFRESH_SECONDS", 30, 1, 3_600)),
                env.raw("SSE_JWT_ISSUER"), env.raw("SSE_JWT_AUDIENCE"));
    }

    private static boolean rs256Configured(Env env) {
        return env.raw("SSE_JWT_PUBLIC_KEY") != null || env.raw("SSE_JWT_PUBLIC_KEY_FILE") != null || env.raw("SSE_JWT_JWKS_URL") != null;
    }

    private static RSAPublicKey publicKey(Env env) {
        String pem = env.raw("SSE_JWT_PUBLIC_KEY");
        String file = env.raw("SSE_JWT_PUBLIC_KEY_FILE");
        String name = "SSE_JWT_PUBLIC_KEY";
        if (pem != null && file != null) {
            env.problem("set either SSE_JWT_PUBLIC_KEY or SSE_JWT_PUBLIC_KEY_FILE, not both");
            return null;
        }
        if (file != null) {
            name = "SSE_JWT_PUBLIC_KEY_FILE";
            try {
                pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
            } catch (IOException | RuntimeException e) {
                env.problem(name + " cannot be read: '" + file + "' (" + e.getClass().getSimpleName() + ")");
                return null;
            }
        }
        if (pem == null) {
            return null;
        }
        try {
            RSAPublicKey key = parsePem(pem);
            if (key.getModulus().bitLength() < MIN_RSA_BITS) {
                env.problem(name + " must be an RSA key of at least " + MIN_RSA_BITS + " bits, got " + key.getModulus().bitLength());
            }
            return key;
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            env.problem(name + " must be a PEM RSA public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)");
            return null;
        }
    }

    /** An X.509 SubjectPublicKeyInfo PEM, the form {@code openssl rsa -pubout} writes; newlines may be given as literal {@code \n}. */
    static RSAPublicKey parsePem(String pem) throws GeneralSecurityException {
        String text = pem.replace("\\n", "\n").trim();
        String begin = "-----BEGIN PUBLIC KEY-----";
        String end = "-----END PUBLIC KEY-----";
        if (!text.startsWith(begin) || !text.endsWith(end)) {
            throw new IllegalArgumentException("not a PEM public key");
        }
        String body = text.substring(begin.length(), text.length() - end.length()).replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(body);
        return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    }

    private static URL jwksUrl(Env env) {
        String value = env.raw("SSE_JWT_JWKS_URL");
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                env.problem("SSE_JWT_JWKS_URL must be an http(s) URL like https://issuer.example/.well-known/jwks.json, got '" + value + "'");
                return null;
            }
            return uri.toURL();
        } catch (URISyntaxException | java.net.MalformedURLException | IllegalArgumentException e) {
            env.problem("SSE_JWT_JWKS_URL is not a valid URL: '" + value + "'");
            return null;
        }
    }
}
