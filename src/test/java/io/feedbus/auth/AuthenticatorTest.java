package io.feedbus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.FeedbusException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Credentials become callers: tokens with the rights of their claim, API keys with every right; bad ones fail with 401 and a reason. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class AuthenticatorTest {

  static final String SECRET = "feedbus-test-secret-0123456789abcdef";
  static final JsonObject ORDERS = new JsonObject().put("subscribe", new JsonArray().add("orders.*")).put("publish", new JsonArray().add("orders.eu"));

  static AuthOptions hs256() {
    AuthOptions options = new AuthOptions();
    options.anonymous = false;
    options.issuer = "https://auth.test/";
    options.audience = List.of("feedbus");
    AuthOptions.Key key = new AuthOptions.Key();
    key.secret = SECRET;
    options.keys = List.of(key);
    return options;
  }

  static String sign(Vertx vertx, PubSecKeyOptions key, JsonObject claims, JWTOptions options) {
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key)).generateToken(claims, options);
  }

  static JWTOptions valid() {
    return new JWTOptions().setIssuer("https://auth.test/").setAudience(List.of("feedbus")).setExpiresInMinutes(5);
  }

  @Test
  void aSignedTokenGivesItsSubjectTheRightsOfItsClaim(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET),
        new JsonObject().put("sub", "alice").put("feedbus", ORDERS), valid());
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.succeeding(user -> ctx.verify(() -> {
      assertThat(user.uid()).isEqualTo("alice");
      assertThat(user.rights().maySubscribe("orders.eu")).isTrue();
      assertThat(user.rights().maySubscribe("billing")).isFalse();
      assertThat(user.rights().mayPublish("orders.eu")).isTrue();
      assertThat(user.rights().mayPublish("orders.us")).isFalse();
      assertThat(user.expiresAtMillis()).isGreaterThan(System.currentTimeMillis());
      ctx.completeNow();
    })));
  }

  @Test
  void aTokenFromAnotherIssuerIsRefused(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET),
        new JsonObject().put("sub", "mallory"), valid().setIssuer("https://elsewhere/"));
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid token:").containsIgnoringCase("issuer");
      ctx.completeNow();
    })));
  }

  @Test
  void aTokenForAnotherAudienceIsRefused(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET),
        new JsonObject().put("sub", "mallory"), valid().setAudience(List.of("billing-service")));
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid token:").containsIgnoringCase("audience");
      ctx.completeNow();
    })));
  }

  @Test
  void aTokenSignedWithAnotherSecretIsRefused(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-0123456789abcdefghij"),
        new JsonObject().put("sub", "mallory"), valid());
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid token:");
      ctx.completeNow();
    })));
  }

  @Test
  void withoutATokenABrowserIsAnonymousOnlyWhenAnonymousAccessIsOn(Vertx vertx, VertxTestContext ctx) {
    AuthOptions open = new AuthOptions();
    open.anonymousRights = AuthOptions.Rights.of(List.of("public.*"), List.of());
    Authenticator.create(vertx, open).compose(auth -> auth.authenticateToken(null))
        .compose(anonymous -> Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(null)).map(nobody -> List.of(anonymous, nobody)))
        .onComplete(ctx.succeeding(users -> ctx.verify(() -> {
          assertThat(users.get(0).kind()).isEqualTo(Caller.Kind.ANONYMOUS);
          assertThat(users.get(0).rights().maySubscribe("public.news")).isTrue();
          assertThat(users.get(0).rights().mayPublish("public.news")).isFalse();
          assertThat(users.get(1).authenticated()).isFalse();
          ctx.completeNow();
        })));
  }

  @Test
  void anRs256TokenIsVerifiedWithThePemPublicKeyFile(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    Path publicKey = dir.resolve("jwt-public.pem");
    Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    AuthOptions options = hs256();
    AuthOptions.Key key = new AuthOptions.Key();
    key.algorithm = "RS256";
    key.publicKeyFile = publicKey.toString();
    options.keys = List.of(key);
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(pem("PRIVATE KEY", pair.getPrivate().getEncoded())),
        new JsonObject().put("sub", "bob").put("feedbus", ORDERS), valid().setAlgorithm("RS256"));
    Authenticator.create(vertx, options).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.succeeding(user -> ctx.verify(() -> {
      assertThat(user.uid()).isEqualTo("bob");
      assertThat(user.rights().maySubscribe("orders.eu")).isTrue();
      ctx.completeNow();
    })));
  }

  @Test
  void aMissingPublicKeyFileFailsTheStartNamingTheField(Vertx vertx, VertxTestContext ctx) {
    AuthOptions options = hs256();
    AuthOptions.Key key = new AuthOptions.Key();
    key.algorithm = "RS256";
    key.publicKeyFile = "/nonexistent/jwt-public.pem";
    options.keys = List.of(key);
    Authenticator.create(vertx, options).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid config: auth.keys[0].publicKeyFile = '/nonexistent/jwt-public.pem': cannot read it");
      ctx.completeNow();
    })));
  }

  @Test
  void anUnsignedAlgNoneTokenIsRefused(Vertx vertx, VertxTestContext ctx) {
    String token = unsigned(new JsonObject().put("sub", "mallory").put("iss", "https://auth.test/").put("aud", "feedbus")
        .put("exp", System.currentTimeMillis() / 1000 + 300).put("feedbus", ORDERS));
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e).isInstanceOf(FeedbusException.class);
      assertThat(((FeedbusException) e).status()).isEqualTo(401);
      assertThat(((FeedbusException) e).code()).isEqualTo("invalid_token");
      ctx.completeNow();
    })));
  }

  @Test
  void anExpiredTokenIsRefused(Vertx vertx, VertxTestContext ctx) {
    long now = System.currentTimeMillis() / 1000;
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET),
        new JsonObject().put("sub", "alice").put("iat", now - 600).put("exp", now - 60), valid().setExpiresInSeconds(0));
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(((FeedbusException) e).code()).isEqualTo("invalid_token");
      assertThat(e.getMessage()).containsIgnoringCase("expired");
      ctx.completeNow();
    })));
  }

  @Test
  void aTokenWithoutExpiryIsRefusedUnlessConfigAllowsIt(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET),
        new JsonObject().put("sub", "alice"), valid().setExpiresInSeconds(0));
    AuthOptions allowing = hs256();
    allowing.allowTokensWithoutExpiry = true;
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateToken(token))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertThat(((FeedbusException) e).code()).isEqualTo("invalid_token");
          assertThat(e.getMessage()).contains("no 'exp'");
          Authenticator.create(vertx, allowing).compose(auth -> auth.authenticateToken(token))
              .onComplete(ctx.succeeding(user -> ctx.verify(() -> {
                assertThat(user.uid()).isEqualTo("alice");
                assertThat(user.expiresAtMillis()).isZero();
                ctx.completeNow();
              })));
        })));
  }

  @Test
  void aClaimWithAdminTrueGrantsManagementAndOthersDoNot(Vertx vertx, VertxTestContext ctx) {
    PubSecKeyOptions key = new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET);
    String admin = sign(vertx, key, new JsonObject().put("sub", "ops").put("feedbus", ORDERS.copy().put("admin", true)), valid());
    String user = sign(vertx, key, new JsonObject().put("sub", "alice").put("feedbus", ORDERS), valid());
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateHeader("Bearer " + admin)
            .compose(a -> auth.authenticateHeader("bearer " + user).map(u -> List.of(a, u))))
        .onComplete(ctx.succeeding(callers -> ctx.verify(() -> {
          assertThat(callers.get(0).admin()).isTrue();
          assertThat(callers.get(0).managementRefusal()).isNull();
          assertThat(callers.get(1).admin()).isFalse();
          assertThat(callers.get(1).managementRefusal().status()).isEqualTo(403);
          ctx.completeNow();
        })));
  }

  @Test
  void aConfiguredApiKeyHasEveryRightAndAnotherKeyIsRefused(Vertx vertx, VertxTestContext ctx) {
    AuthOptions options = hs256();
    options.apiKeys = List.of("service-key-0123456789abcdef0123456789");
    Authenticator.create(vertx, options).compose(auth -> auth.authenticateHeader("apikey service-key-0123456789abcdef0123456789")
            .compose(service -> auth.authenticateHeader("apikey service-key-0123456789abcdef012345678X")
                .transform(ar -> io.vertx.core.Future.succeededFuture(List.of(service, ar.cause())))))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          Caller service = (Caller) results.get(0);
          assertThat(service.kind()).isEqualTo(Caller.Kind.API_KEY);
          assertThat(service.uid()).startsWith("apikey-").doesNotContain("service-key");
          assertThat(service.rights().mayPublish("any.topic")).isTrue();
          assertThat(service.rights().maySubscribe("any.topic")).isTrue();
          assertThat(service.managementRefusal()).isNull();
          FeedbusException refused = (FeedbusException) results.get(1);
          assertThat(refused.status()).isEqualTo(401);
          assertThat(refused.code()).isEqualTo("invalid_api_key");
          ctx.completeNow();
        })));
  }

  @Test
  void anAuthorizationHeaderOfAnotherSchemeIsRefused(Vertx vertx, VertxTestContext ctx) {
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticateHeader("Basic YWxpY2U6c2VjcmV0"))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertThat(((FeedbusException) e).status()).isEqualTo(401);
          assertThat(((FeedbusException) e).code()).isEqualTo("invalid_credentials");
          ctx.completeNow();
        })));
  }

  /** A token with {@code alg: none} and no signature, as an attacker would write it. */
  static String unsigned(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes()) + "."
        + b64.encodeToString(claims.encode().getBytes()) + ".";
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
