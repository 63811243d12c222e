package io.feedbus.auth;

import io.feedbus.ConfigException;
import io.feedbus.event.FeedbusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the credential a caller presents (or its absence) into a {@link Caller}, the same way on
 * every entry: a JWT is verified with vertx-auth-jwt (signature, expiry, issuer, audience) and its
 * claim gives the rights; an API key gives every right; nothing gives the anonymous rights or none.
 * Every refusal is a 401 {@link FeedbusException} saying why.
 */
public final class Authenticator {

  /** The {@code Authorization} scheme of tokens. */
  public static final String BEARER = "Bearer";
  /** The {@code Authorization} scheme of API keys. */
  public static final String API_KEY = "apikey";

  private final AuthOptions options;
  private final JWTAuth jwt;
  private final TopicRights anonymousRights;
  private final List<byte[]> apiKeyDigests = new ArrayList<>();

  private Authenticator(AuthOptions options, JWTAuth jwt) {
    this.options = options;
    this.jwt = jwt;
    this.anonymousRights = TopicRights.of(options.anonymousRights);
    options.apiKeys.forEach(key -> apiKeyDigests.add(sha256(key)));
  }

  /** Loads the configured keys (reading key files without blocking) and builds the verifier. */
  public static Future<Authenticator> create(Vertx vertx, AuthOptions options) {
    List<Future<PubSecKeyOptions>> keys = new ArrayList<>();
    for (int i = 0; i < options.keys.size(); i++) {
      keys.add(key(vertx, options.keys.get(i), "auth.keys[" + i + "]"));
    }
    return Future.all(keys).compose(all -> {
      if (keys.isEmpty()) {
        return Future.succeededFuture(new Authenticator(options, null));
      }
      JWTOptions jwtOptions = new JWTOptions().setLeeway(options.leewaySeconds);
      if (options.issuer != null) {
        jwtOptions.setIssuer(options.issuer);
      }
      if (!options.audience.isEmpty()) {
        jwtOptions.setAudience(new ArrayList<>(options.audience));
      }
      JWTAuthOptions authOptions = new JWTAuthOptions().setJWTOptions(jwtOptions);
      keys.forEach(k -> authOptions.addPubSecKey(k.result()));
      try {
        return Future.succeededFuture(new Authenticator(options, JWTAuth.create(vertx, authOptions)));
      } catch (RuntimeException e) {
        return Future.failedFuture(new ConfigException("invalid config: auth.keys: " + e.getMessage()));
      }
    });
  }

  private static Future<PubSecKeyOptions> key(Vertx vertx, AuthOptions.Key key, String field) {
    PubSecKeyOptions options = new PubSecKeyOptions().setAlgorithm(key.algorithm);
    if (key.secret != null) {
      return Future.succeededFuture(options.setBuffer(key.secret));
    }
    if (key.publicKey != null) {
      return Future.succeededFuture(options.setBuffer(key.publicKey));
    }
    return vertx.fileSystem().readFile(key.publicKeyFile)
        .map(Buffer::toString)
        .<PubSecKeyOptions>map(pem -> {
          if (!pem.contains("-----BEGIN PUBLIC KEY-----")) {
            throw new ConfigException("invalid config: " + field + ".publicKeyFile = '" + key.publicKeyFile + "': not a PEM public key");
          }
          return options.setBuffer(pem);
        })
        .recover(e -> Future.failedFuture(e instanceof ConfigException ? e
            : new ConfigException("invalid config: " + field + ".publicKeyFile = '" + key.publicKeyFile + "': cannot read it: " + e.getMessage())));
  }

  /**
   * The caller behind an {@code Authorization} header value: {@code Bearer <JWT>}, {@code apikey <key>},
   * or none (null or empty: anonymous or unauthenticated, as {@code auth.anonymous} says).
   */
  public Future<Caller> authenticateHeader(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return authenticateToken(null);
    }
    String value = authorization.trim();
    int space = value.indexOf(' ');
    String scheme = space < 0 ? value : value.substring(0, space);
    String credential = space < 0 ? "" : value.substring(space + 1).trim();
    if (scheme.equalsIgnoreCase(BEARER) && !credential.isEmpty()) {
      return authenticateToken(credential);
    }
    if (scheme.equalsIgnoreCase(API_KEY) && !credential.isEmpty()) {
      return authenticateApiKey(credential);
    }
    return Future.failedFuture(new FeedbusException(401, "invalid_credentials",
        "the Authorization header must be 'Bearer <JWT>' or 'apikey <key>'"));
  }

  /**
   * The caller for a token; {@code null} (no token) is anonymous or unauthenticated depending on
   * {@code auth.anonymous}. Fails with 401 {@code invalid_token} when the token is not acceptable.
   */
  public Future<Caller> authenticateToken(String token) {
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(anonymousAllowed() ? Caller.anonymous(anonymousRights) : Caller.unauthenticated());
    }
    if (jwt == null) {
      return Future.failedFuture(invalidToken("tokens are not accepted here: no auth.keys are configured"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> Future.failedFuture(invalidToken(String.valueOf(e.getMessage()))))
        .compose(this::toCaller);
  }

  /** The caller for an API key: every right; fails with 401 {@code invalid_api_key} for a key that is not configured. */
  public Future<Caller> authenticateApiKey(String key) {
    byte[] digest = sha256(key);
    boolean known = false;
    // Compare digests in constant time, and against every key, so timing tells nothing about a key.
    for (byte[] configured : apiKeyDigests) {
      known |= MessageDigest.isEqual(configured, digest);
    }
    if (!known) {
      return Future.failedFuture(new FeedbusException(401, "invalid_api_key", "this API key is not one of auth.apiKeys"));
    }
    // The uid names the key without revealing it (logs, the connection registry).
    String uid = "apikey-" + HexFormat.of().formatHex(digest, 0, 4);
    return Future.succeededFuture(new Caller(uid, Caller.Kind.API_KEY, TopicRights.ALL, true, 0));
  }

  private Future<Caller> toCaller(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    String subject = claims.getString("sub");
    if (subject == null || subject.isBlank()) {
      return Future.failedFuture(invalidToken("it has no 'sub' (subject) claim"));
    }
    Object exp = claims.getValue("exp");
    if (exp == null && !options.allowTokensWithoutExpiry) {
      return Future.failedFuture(invalidToken("it has no 'exp' (expiry) claim, and tokens must expire (auth.allowTokensWithoutExpiry is false)"));
    }
    if (exp != null && !(exp instanceof Number)) {
      return Future.failedFuture(invalidToken("its 'exp' claim is not a number"));
    }
    Object claim = claims.getValue(options.topicsClaim);
    TopicRights rights;
    try {
      rights = TopicRights.fromClaim(options.topicsClaim, claim);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(invalidToken(e.getMessage()));
    }
    Object admin = claim instanceof JsonObject ? ((JsonObject) claim).getValue("admin") : null;
    if (admin != null && !(admin instanceof Boolean)) {
      return Future.failedFuture(invalidToken("claim '" + options.topicsClaim + ".admin' must be true or false"));
    }
    Map<String, String> fields;
    try {
      fields = fields(claims.getValue(options.fieldsClaim));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(invalidToken(e.getMessage()));
    }
    long expiresAt = exp == null ? 0 : ((Number) exp).longValue() * 1000;
    return Future.succeededFuture(new Caller(subject, Caller.Kind.TOKEN, rights, Boolean.TRUE.equals(admin), expiresAt, fields));
  }

  /** The connection fields of the claim {@code auth.fieldsClaim}: absent, or an object of strings. */
  private Map<String, String> fields(Object claim) {
    if (claim == null) {
      return Map.of();
    }
    String shape = "claim '" + options.fieldsClaim + "' must be an object of strings, e.g. {\"channel\": \"#support\"}";
    if (!(claim instanceof JsonObject)) {
      throw new IllegalArgumentException(shape);
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (Map.Entry<String, Object> field : (JsonObject) claim) {
      if (!(field.getValue() instanceof String)) {
        throw new IllegalArgumentException(shape + "; '" + field.getKey() + "' is not a string");
      }
      fields.put(field.getKey(), (String) field.getValue());
    }
    return fields;
  }

  private static FeedbusException invalidToken(String why) {
    return new FeedbusException(401, "invalid_token", "invalid token: " + why);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Whether callers without a credential are let in ({@code auth.anonymous}, or no credential configured). */
  public boolean anonymousAllowed() {
    return options.anonymousAllowed();
  }

  /** Whether management and admission answer without a credential ({@code auth.openManagement}). */
  public boolean managementOpen() {
    return options.openManagement;
  }
}
