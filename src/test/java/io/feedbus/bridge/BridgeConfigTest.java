package io.feedbus.bridge;

import io.feedbus.auth.TopicRights;
import io.feedbus.auth.TopicPattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.feedbus.ConfigException;
import io.feedbus.FeedbusOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The auth and bridge config sections: shipped files load, bad fields are named. */
class BridgeConfigTest {

  @Test
  void theDevelopmentConfigLetsAnonymousBrowsersDoEverything() {
    FeedbusOptions options = FeedbusOptions.load(Path.of("conf/feedbus.json"), Map.of(), Map.of());
    assertThat(options.auth().anonymousAllowed()).isTrue();
    assertThat(TopicRights.of(options.auth().anonymousRights).mayPublish("any.topic")).isTrue();
  }

  @Test
  void theProductionExampleTurnsAnonymousAccessOffAndChecksIssuerAndAudience() {
    FeedbusOptions options = FeedbusOptions.load(Path.of("conf/feedbus.production.json"), Map.of(), Map.of());
    assertThat(options.auth().anonymousAllowed()).isFalse();
    assertThat(options.auth().issuer).isNotBlank();
    assertThat(options.auth().audience).containsExactly("feedbus");
    assertThat(options.auth().keys).singleElement().satisfies(k -> assertThat(k.algorithm).isEqualTo("RS256"));
  }

  @Test
  void anAudienceMayBeGivenAsOneString() {
    FeedbusOptions options = FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject().put("audience", "feedbus")));
    assertThat(options.auth().audience).containsExactly("feedbus");
  }

  @Test
  void badAuthAndBridgeFieldsAreNamedWithTheirValues() {
    JsonObject json = new JsonObject()
        .put("auth", new JsonObject()
            .put("anonymous", false)
            .put("anonymousRights", new JsonObject().put("subscribe", new io.vertx.core.json.JsonArray().add("orders/*")))
            .put("keys", new io.vertx.core.json.JsonArray()
                .add(new JsonObject().put("algorithm", "HS256").put("secret", "short"))
                .add(new JsonObject().put("algorithm", "none"))))
        .put("bridge", new JsonObject().put("maxQueuedMessages", 0));
    assertThatThrownBy(() -> FeedbusOptions.fromJson(json))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.anonymousRights.subscribe[0] = 'orders/*'")
        .hasMessageContaining("auth.keys[0].secret = (5 characters): HS256 needs a secret of at least 32 characters")
        .hasMessageContaining("auth.keys[1].algorithm = 'none'")
        .hasMessageContaining("bridge.maxQueuedMessages = 0: must be between 1 and 1000000");
  }

  @Test
  void anonymousAccessOffWithoutKeysIsRefused() {
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("auth", new JsonObject().put("anonymous", false))))
        .hasMessageContaining("auth.keys = [] and auth.apiKeys = []: at least one JWT key or API key is needed when auth.anonymous is false");
  }

  @Test
  void requestsInFlightOutOfRangeStopTheStartNamingTheField() {
    for (int bad : new int[] {0, 10_001}) {
      assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("bridge", new JsonObject().put("maxRequestsInFlight", bad))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("bridge.maxRequestsInFlight = " + bad + ": must be between 1 and 10000");
    }
    assertThat(FeedbusOptions.fromJson(new JsonObject()).bridge().maxRequestsInFlight).isEqualTo(64);
  }

  @Test
  void anUnknownSlowConsumerPolicyIsNamed() {
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("bridge", new JsonObject().put("slowConsumerPolicy", "buffer"))))
        .hasMessageContaining("bridge.slowConsumerPolicy = 'buffer'");
  }

  @Test
  void topicPatternsMatchWithAStarForAnyRunOfCharacters() {
    assertThat(TopicPattern.of("orders.*").matches("orders.eu")).isTrue();
    assertThat(TopicPattern.of("orders.*").matches("orders.eu.paid")).isTrue();
    assertThat(TopicPattern.of("orders.*").matches("orders")).isFalse();
    assertThat(TopicPattern.of("*.audit").matches("billing.audit")).isTrue();
    assertThat(TopicPattern.of("a.b").matches("aXb")).as("dots are literal").isFalse();
    assertThat(TopicPattern.of("*").matches("anything")).isTrue();
  }
}
