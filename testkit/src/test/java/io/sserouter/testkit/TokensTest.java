package io.sserouter.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tokens carry what the edge reads (sub, exp, roles) and verify with the secret or the public key handed to the edge. */
class TokensTest {
    @Test
    void hs256TokensVerifyWithTheSecretAndCarrySubjectExpiryAndRoles() throws Exception {
        Tokens tokens = Tokens.hs256();
        SignedJWT admin = SignedJWT.parse(tokens.admin("root", Duration.ofMinutes(5)));
        assertEquals(JWSAlgorithm.HS256, admin.getHeader().getAlgorithm());
        assertTrue(admin.verify(new MACVerifier(tokens.secret().getBytes(StandardCharsets.UTF_8))));
        assertEquals("root", admin.getJWTClaimsSet().getSubject());
        assertEquals(List.of("user", "admin"), admin.getJWTClaimsSet().getStringListClaim("roles"));
        Instant exp = admin.getJWTClaimsSet().getExpirationTime().toInstant();
        assertTrue(exp.isAfter(Instant.now().plusSeconds(240)) && exp.isBefore(Instant.now().plusSeconds(301)), "exp " + exp);
        assertEquals(List.of("user"), SignedJWT.parse(tokens.user("alice", Duration.ofMinutes(5))).getJWTClaimsSet().getStringListClaim("roles"));
    }

    @Test
    void rs256TokensVerifyWithThePublicKeyPemAndNameTheirKey() throws Exception {
        Tokens tokens = Tokens.rs256("k1");
        String pem = tokens.publicKeyPem();
        byte[] der = Base64.getMimeDecoder().decode(pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", ""));
        RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        SignedJWT jwt = SignedJWT.parse(tokens.user("alice", Duration.ofMinutes(5)));
        assertEquals("k1", jwt.getHeader().getKeyID());
        assertTrue(jwt.verify(new RSASSAVerifier(key)));
    }
}
