package io.feedbus.auth;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Tokens become browser users with the rights of their claim; bad tokens fail with a reason. */
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
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticate(token)).onComplete(ctx.succeeding(user -> ctx.verify(() -> {
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
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticate(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid token:").containsIgnoringCase("issuer");
      ctx.completeNow();
    })));
  }

  @Test
  void aTokenForAnotherAudienceIsRefused(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET),
        new JsonObject().put("sub", "mallory"), valid().setAudience(List.of("billing-service")));
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticate(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid token:").containsIgnoringCase("audience");
      ctx.completeNow();
    })));
  }

  @Test
  void aTokenSignedWithAnotherSecretIsRefused(Vertx vertx, VertxTestContext ctx) {
    String token = sign(vertx, new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-0123456789abcdefghij"),
        new JsonObject().put("sub", "mallory"), valid());
    Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticate(token)).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e.getMessage()).startsWith("invalid token:");
      ctx.completeNow();
    })));
  }

  @Test
  void withoutATokenABrowserIsAnonymousOnlyWhenAnonymousAccessIsOn(Vertx vertx, VertxTestContext ctx) {
    AuthOptions open = new AuthOptions();
    open.anonymousRights = AuthOptions.Rights.of(List.of("public.*"), List.of());
    Authenticator.create(vertx, open).compose(auth -> auth.authenticate(null))
        .compose(anonymous -> Authenticator.create(vertx, hs256()).compose(auth -> auth.authenticate(null)).map(nobody -> List.of(anonymous, nobody)))
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
    Authenticator.create(vertx, options).compose(auth -> auth.authenticate(token)).onComplete(ctx.succeeding(user -> ctx.verify(() -> {
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

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
