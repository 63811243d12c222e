package io.feedbus.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.Base64;
import java.util.List;

/**
 * The credentials of the auth matrix, for a node configured with {@link #authConfig()}: an HS256
 * key, an issuer, an audience and one API key. A user's token grants subscribe {@code orders.*} and
 * publish {@code orders.eu}; {@link #ALLOWED_TOPIC} is inside those rights, {@link #OTHER_TOPIC} outside.
 * {@link #TOKEN_WITH_FIELDS} also sets connection fields ({@link #TOKEN_FIELDS}); a token whose
 * fields claim is not an object of strings is not acceptable.
 */
public enum Credentials {
  NONE,
  TOKEN_WITH_RIGHTS,
  TOKEN_WITH_FIELDS,
  TOKEN_WITH_BAD_FIELDS,
  TOKEN_WITHOUT_RIGHTS,
  EXPIRED_TOKEN,
  FORGED_TOKEN,
  ALG_NONE_TOKEN,
  WRONG_ISSUER_TOKEN,
  WRONG_AUDIENCE_TOKEN,
  API_KEY;

  public static final String SECRET = "feedbus-test-secret-0123456789abcdef";
  public static final String ISSUER = "https://auth.test/";
  public static final String AUDIENCE = "feedbus";
  public static final String KEY = "service-key-0123456789abcdef0123456789";
  public static final String ALLOWED_TOPIC = "orders.eu";
  public static final String OTHER_TOPIC = "billing";
  /** The connection fields {@link #TOKEN_WITH_FIELDS} sets ({@code channel} is a client field by default, {@code role} is not). */
  public static final JsonObject TOKEN_FIELDS = new JsonObject().put("channel", "#from-token").put("role", "support");

  /** The {@code auth} section these credentials are made for (anonymous unset: off, since keys are configured). */
  public static JsonObject authConfig() {
    return new JsonObject()
        .put("issuer", ISSUER)
        .put("audience", new JsonArray().add(AUDIENCE))
        .put("keys", new JsonArray().add(new JsonObject().put("algorithm", "HS256").put("secret", SECRET)))
        .put("apiKeys", new JsonArray().add(KEY));
  }

  /** Every credential with {@link #ALLOWED_TOPIC} and with {@link #OTHER_TOPIC}: the rows of a matrix test. */
  public static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> withTopics() {
    return java.util.stream.Stream.of(values()).flatMap(c -> java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of(c, ALLOWED_TOPIC), org.junit.jupiter.params.provider.Arguments.of(c, OTHER_TOPIC)));
  }

  /** The rights claim of the user's tokens. */
  public static JsonObject rights() {
    return new JsonObject().put("subscribe", new JsonArray().add("orders.*")).put("publish", new JsonArray().add("orders.eu"));
  }

  /** A bearer token of the configured issuer and audience for {@code subject} with {@code claim} as its rights. */
  public static String token(Vertx vertx, String subject, JsonObject claim) {
    return sign(vertx, SECRET, new JsonObject().put("sub", subject).put("feedbus", claim),
        new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setExpiresInMinutes(10));
  }

  /** As {@link #token(Vertx, String, JsonObject)}, with {@code fields} as its connection fields claim. */
  public static String token(Vertx vertx, String subject, JsonObject claim, JsonObject fields) {
    return sign(vertx, SECRET, new JsonObject().put("sub", subject).put("feedbus", claim).put("fields", fields),
        new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setExpiresInMinutes(10));
  }

  /** The JWT of this credential; null for {@link #NONE} and {@link #API_KEY}. */
  public String token(Vertx vertx) {
    JsonObject claims = new JsonObject().put("sub", "alice").put("feedbus", rights());
    JWTOptions valid = new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setExpiresInMinutes(10);
    long now = System.currentTimeMillis() / 1000;
    switch (this) {
      case TOKEN_WITH_RIGHTS:
        return sign(vertx, SECRET, claims, valid);
      case TOKEN_WITH_FIELDS:
        return sign(vertx, SECRET, claims.put("fields", TOKEN_FIELDS.copy()), valid);
      case TOKEN_WITH_BAD_FIELDS:
        return sign(vertx, SECRET, claims.put("fields", new JsonObject().put("channel", 7)), valid);
      case TOKEN_WITHOUT_RIGHTS:
        return sign(vertx, SECRET, new JsonObject().put("sub", "bob").put("feedbus", new JsonObject()), valid);
      case EXPIRED_TOKEN:
        return sign(vertx, SECRET, claims.put("iat", now - 3600).put("exp", now - 600), valid.setExpiresInSeconds(0));
      case FORGED_TOKEN:
        return sign(vertx, "an-attackers-secret-0123456789abcdef", claims, valid);
      case ALG_NONE_TOKEN:
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes()) + "."
            + b64.encodeToString(claims.put("iss", ISSUER).put("aud", AUDIENCE).put("exp", now + 600).encode().getBytes()) + ".";
      case WRONG_ISSUER_TOKEN:
        return sign(vertx, SECRET, claims, valid.setIssuer("https://elsewhere.test/"));
      case WRONG_AUDIENCE_TOKEN:
        return sign(vertx, SECRET, claims, valid.setAudience(List.of("billing-service")));
      default:
        return null;
    }
  }

  /** The {@code Authorization} header value of this credential, or null for {@link #NONE}. */
  public String authorization(Vertx vertx) {
    if (this == NONE) {
      return null;
    }
    return this == API_KEY ? "apikey " + KEY : "Bearer " + token(vertx);
  }

  /** The status a data request (publish, history, stream) on {@code topic} gets with this credential, 2xx as 200. */
  public int expectedStatus(String topic) {
    switch (this) {
      case API_KEY:
        return 200;
      case TOKEN_WITH_RIGHTS:
      case TOKEN_WITH_FIELDS:
        return ALLOWED_TOPIC.equals(topic) ? 200 : 403;
      case TOKEN_WITHOUT_RIGHTS:
        return 403;
      default:
        return 401;
    }
  }

  /** The error code of a refusal with this credential. */
  public String expectedError(String topic) {
    if (expectedStatus(topic) == 403) {
      return "forbidden";
    }
    return this == NONE ? "not_authenticated" : "invalid_token";
  }

  private static String sign(Vertx vertx, String secret, JsonObject claims, JWTOptions options) {
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)))
        .generateToken(claims, options);
  }
}
