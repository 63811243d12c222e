package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Every SockJS transport the bridge enables, one at a time, in headless Chromium: a browser whose
 * proxy blocks WebSockets falls back to streaming or polling over plain HTTP, and must still publish,
 * receive live and replay. (The xdr-* transports exist only in old Internet Explorer.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserTransportTest {

  static Vertx vertx;
  static Feedbus node;
  static BridgeTestServer bridge;
  static FeedbusClient client;
  static HeadlessChromium chromium;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    FeedbusOptions options = FeedbusOptions.defaults();
    options.http().port = 0;
    options.store().embedded.dataDir = Files.createTempDirectory("feedbus-transports").toString();
    options.store().embedded.fsync = false;
    node = await(Feedbus.start(vertx, options));
    bridge = await(BridgeTestServer.start(vertx, new BridgeOptions(), BridgeObserver.NONE, router -> { }));
    client = FeedbusClient.create(vertx, 10_000);
    chromium = HeadlessChromium.startOrSkip();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      if (bridge != null) {
        await(bridge.close());
      }
      if (node != null) {
        await(node.close());
      }
      await(vertx.close());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-streaming", "xhr-polling", "eventsource", "htmlfile", "jsonp-polling",
      "iframe-eventsource", "iframe-htmlfile", "iframe-xhr-polling"})
  void overEachTransportThePageReplaysHistoryPublishesAndReceivesItsOwnEventLive(String transport) throws Exception {
    String topic = "transport." + transport;
    Ack start = await(client.publish(topic, new JsonObject().put("phase", "start")));
    Ack first = await(client.publish(topic, new JsonObject().put("phase", "history").put("i", 1)));
    Ack second = await(client.publish(topic, new JsonObject().put("phase", "history").put("i", 2)));

    chromium.driver.get(bridge.url(BridgeTestServer.BARE_PAGE));
    chromium.driver.executeScript("harness.connect({ transports: [arguments[0]], reconnect: false });", transport);
    waitUntil(() -> transport.equals(chromium.driver.executeScript("return harness.transport();")));
    chromium.driver.executeScript("harness.subscribe(arguments[0], arguments[1]);", topic, start.cursor());
    waitUntil(() -> Boolean.TRUE.equals(chromium.driver.executeScript("return harness.subscription.live;")));
    assertThat(events()).as("replayed over " + transport).containsExactly(first.id(), second.id());

    String published = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "harness.bus.publish(arguments[0], { phase: 'live', from: arguments[1] })"
            + "  .then(function (ack) { done(ack.id); }, function (e) { done('failed: ' + e); });", topic, transport);
    assertThat(published).as("publish over " + transport).doesNotStartWith("failed");
    waitUntil(() -> events().size() >= 3);
    assertThat(events()).as("the page's own event, live over " + transport).containsExactly(first.id(), second.id(), published);
    assertThat(errors()).isEmpty();
    assertThat(chromium.driver.executeScript("return harness.transport();")).as("still on " + transport).isEqualTo(transport);
  }

  @SuppressWarnings("unchecked")
  static List<String> events() {
    return (List<String>) chromium.driver.executeScript("return harness.events;");
  }

  @SuppressWarnings("unchecked")
  static List<String> errors() {
    return (List<String>) chromium.driver.executeScript("return harness.errors;");
  }

  static void waitUntil(BooleanSupplier condition) {
    try {
      new WebDriverWait(chromium.driver, Duration.ofSeconds(15)).until(d -> condition.getAsBoolean());
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the page did not get there; transport " + chromium.driver.executeScript("return harness.transport();")
          + ", errors " + errors() + ", events " + events(), e);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
