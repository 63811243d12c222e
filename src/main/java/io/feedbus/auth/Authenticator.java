package io.feedbus.auth;

import io.feedbus.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the token a browser presents (or its absence) into a {@link Caller}: verifies the JWT's
 * signature, expiry, issuer and audience with vertx-auth-jwt, then reads topic rights from the claim.
 */
public final class Authenticator {

  private final AuthOptions options;
  private final JWTAuth jwt;
  private final TopicRights anonymousRights;

  private Authenticator(AuthOptions options, JWTAuth jwt) {
    this.options = options;
    this.jwt = jwt;
    this.anonymousRights = TopicRights.of(options.anonymousRights);
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
   * The user for a token; {@code null} (no token) is anonymous or unauthenticated depending on
   * {@code auth.anonymous}. Fails with a message a browser can show when the token is not acceptable.
   */
  public Future<Caller> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(options.anonymous ? Caller.anonymous(anonymousRights) : Caller.unauthenticated());
    }
    if (jwt == null) {
      return Future.failedFuture("tokens are not accepted here: no auth.keys are configured");
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> Future.failedFuture("invalid token: " + e.getMessage()))
        .compose(this::toBrowserUser);
  }

  private Future<Caller> toBrowserUser(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    String subject = claims.getString("sub");
    if (subject == null || subject.isBlank()) {
      return Future.failedFuture("invalid token: it has no 'sub' (subject) claim");
    }
    TopicRights rights;
    try {
      rights = TopicRights.fromClaim(options.topicsClaim, claims.getValue(options.topicsClaim));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture("invalid token: " + e.getMessage());
    }
    Long exp = claims.getLong("exp");
    return Future.succeededFuture(new Caller(subject, Caller.Kind.TOKEN, rights, exp == null ? 0 : exp * 1000));
  }

  public boolean anonymousAllowed() {
    return options.anonymous;
  }
}
