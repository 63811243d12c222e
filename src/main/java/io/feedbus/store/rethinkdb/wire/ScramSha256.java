package io.feedbus.store.rethinkdb.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802 / 7677) as RethinkDB's V1_0 handshake uses it, without
 * channel binding. One instance is one authentication exchange; {@link #clientFinal} runs PBKDF2
 * (thousands of HMAC rounds), so call it off the event loop.
 */
final class ScramSha256 {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String password;
  private final String clientFirstBare;
  private final String nonce;
  private byte[] expectedServerSignature;

  ScramSha256(String user, String password) {
    this(user, password, newNonce());
  }

  ScramSha256(String user, String password, String nonce) {
    this.password = password == null ? "" : password;
    this.nonce = nonce;
    this.clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + nonce;
  }

  /** {@code n,,n=<user>,r=<nonce>}: what the client sends first. */
  String clientFirst() {
    return "n,," + clientFirstBare;
  }

  /** The answer to the server's challenge {@code r=...,s=...,i=...}: {@code c=biws,r=...,p=<proof>}. */
  String clientFinal(String serverFirst) {
    Map<String, String> attributes = attributes(serverFirst);
    String serverNonce = attributes.get("r");
    if (serverNonce == null || !serverNonce.startsWith(nonce)) {
      throw new ReqlError(ReqlError.Kind.AUTH, 0, "the server's SCRAM nonce does not extend ours", null, null);
    }
    byte[] salt = Base64.getDecoder().decode(require(attributes, "s"));
    int iterations = Integer.parseInt(require(attributes, "i"));
    String withoutProof = "c=biws,r=" + serverNonce;
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    try {
      byte[] salted = pbkdf2(password, salt, iterations);
      byte[] clientKey = hmac(salted, "Client Key");
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] signature = hmac(storedKey, authMessage);
      byte[] proof = new byte[clientKey.length];
      for (int i = 0; i < proof.length; i++) {
        proof[i] = (byte) (clientKey[i] ^ signature[i]);
      }
      expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
      return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 and PBKDF2WithHmacSHA256 are part of every JDK", e);
    }
  }

  /** Checks the server's proof {@code v=<signature>}: the server knew the password too. */
  void verifyServerFinal(String serverFinal) {
    String v = attributes(serverFinal).get("v");
    if (v == null || expectedServerSignature == null
        || !MessageDigest.isEqual(Base64.getDecoder().decode(v), expectedServerSignature)) {
      throw new ReqlError(ReqlError.Kind.AUTH, 0, "the server's SCRAM signature is wrong", null, null);
    }
  }

  private static String require(Map<String, String> attributes, String name) {
    String value = attributes.get(name);
    if (value == null) {
      throw new ReqlError(ReqlError.Kind.AUTH, 0, "the server's SCRAM challenge has no '" + name + "'", null, null);
    }
    return value;
  }

  static Map<String, String> attributes(String message) {
    Map<String, String> map = new HashMap<>();
    for (String part : message.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        map.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return map;
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations) throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
  }

  private static byte[] hmac(byte[] key, String text) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String newNonce() {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
