package io.feedbus.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.feedbus.ConfigException;
import io.feedbus.FeedbusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The auth section: what is open by default and where, and bad credentials in config named. */
class AuthConfigTest {

  static final String KEY = "service-key-0123456789abcdef0123456789";

  static JsonObject hs256Key() {
    return new JsonObject().put("algorithm", "HS256").put("secret", "feedbus-test-secret-0123456789abcdef");
  }

  @Test
  void theDevelopmentConfigOpensManagementOnLoopbackOnly() {
    FeedbusOptions options = FeedbusOptions.load(Path.of("conf/feedbus.json"), Map.of(), Map.of());
    assertThat(options.auth().openManagement).isTrue();
    assertThat(options.http().host).isEqualTo("127.0.0.1");
    assertThat(options.auth().anonymousAllowed()).as("no credential is configured").isTrue();
  }

  @Test
  void theDevelopmentConfigRefusesToStartOnANonLoopbackAddress() {
    for (String host : new String[] {"0.0.0.0", "::", "192.168.1.10", "feedbus.example.com"}) {
      assertThatThrownBy(() -> FeedbusOptions.load(Path.of("conf/feedbus.json"), Map.of("FEEDBUS_HTTP_HOST", host), Map.of()))
          .as(host)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("auth.openManagement = true with http.host = '" + host + "'")
          .hasMessageContaining("auth.apiKeys");
    }
  }

  @Test
  void openManagementIsAcceptedOnEveryLoopbackAddress() {
    for (String host : new String[] {"127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"}) {
      FeedbusOptions options = FeedbusOptions.load(Path.of("conf/feedbus.json"), Map.of("FEEDBUS_HTTP_HOST", host), Map.of());
      assertThat(options.auth().openManagement).as(host).isTrue();
    }
  }

  @Test
  void codeDefaultsAndTheProductionExampleKeepManagementClosed() {
    assertThat(FeedbusOptions.defaults().auth().openManagement).isFalse();
    FeedbusOptions production = FeedbusOptions.load(Path.of("conf/feedbus.production.json"), Map.of(), Map.of());
    assertThat(production.auth().openManagement).isFalse();
    assertThat(production.http().host).isEqualTo("0.0.0.0");
  }

  @Test
  void aBlankFieldsClaimIsNamed() {
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject().put("fieldsClaim", " "))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.fieldsClaim = ' ': must name the claim holding connection fields");
    assertThat(FeedbusOptions.defaults().auth().fieldsClaim).isEqualTo("fields");
  }

  @Test
  void configuringAKeyTurnsAnonymousAccessOffUnlessItIsAskedFor() {
    FeedbusOptions jwt = FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject().put("keys", new JsonArray().add(hs256Key()))));
    assertThat(jwt.auth().anonymousAllowed()).isFalse();
    FeedbusOptions apiKey = FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject().put("apiKeys", new JsonArray().add(KEY))));
    assertThat(apiKey.auth().anonymousAllowed()).isFalse();
    FeedbusOptions askedFor = FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject()
        .put("keys", new JsonArray().add(hs256Key())).put("anonymous", true)));
    assertThat(askedFor.auth().anonymousAllowed()).isTrue();
    assertThat(FeedbusOptions.defaults().auth().anonymousAllowed()).as("nothing configured").isTrue();
  }

  @Test
  void apiKeysComeFromTheEnvironmentCommaSeparated() {
    String other = "other-service-key-0123456789abcdef012345";
    FeedbusOptions options = FeedbusOptions.load((JsonObject) null, Map.of("FEEDBUS_API_KEYS", KEY + ", " + other), Map.of());
    assertThat(options.auth().apiKeys).containsExactly(KEY, other);
  }

  @Test
  void aShortOrBlankApiKeyIsNamedWithoutPrintingIt() {
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject()
        .put("apiKeys", new JsonArray().add("secret123").add("with space 0123456789abcdef0123456789")))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.apiKeys[0] = (9 characters): must be at least 32 visible ASCII characters")
        .hasMessageContaining("auth.apiKeys[1] = (37 characters)")
        .hasMessageNotContaining("secret123");
  }
}
