package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
  static BarePage page;

  /** Deleted by JUnit after the class, with the node's files. */
  @org.junit.jupiter.api.io.TempDir
  static Path tempDir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    FeedbusOptions options = FeedbusOptions.defaults();
    options.http().port = 0;
    options.store().embedded.dataDir = tempDir.toString();
    options.store().embedded.fsync = false;
    node = await(Feedbus.start(vertx, options));
    bridge = await(BridgeTestServer.start(vertx, new BridgeOptions(), BridgeObserver.NONE, router -> { }));
    client = FeedbusClient.create(vertx, 10_000);
    chromium = HeadlessChromium.startOrSkip();
    page = new BarePage(chromium, bridge.origin());
  }

  @AfterAll
  static void stop() throws Exception {
    HeadlessChromium.closeThen(chromium, () -> bridge == null ? null : bridge.close(), () -> node == null ? null : node.close(), vertx::close);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-streaming", "xhr-polling", "eventsource", "htmlfile", "jsonp-polling",
      "iframe-eventsource", "iframe-htmlfile", "iframe-xhr-polling"})
  void overEachTransportThePageReplaysHistoryPublishesAndReceivesItsOwnEventLive(String transport) throws Exception {
    String topic = "transport." + transport;
    Ack start = await(client.publish(topic, new JsonObject().put("phase", "start")));
    Ack first = await(client.publish(topic, new JsonObject().put("phase", "history").put("i", 1)));
    Ack second = await(client.publish(topic, new JsonObject().put("phase", "history").put("i", 2)));

    page.open(Map.of("transports", List.of(transport), "reconnect", false));
    assertThat(page.transport()).isEqualTo(transport);
    page.subscribe(topic, start.cursor());
    page.waitUntil(() -> page.live(topic));
    assertThat(page.events(topic)).as("replayed over " + transport).containsExactly(first.id(), second.id());

    Object published = page.callAsync("harness.bus.publish(arguments[0], { phase: 'live', from: arguments[1] })"
        + "  .then(function (ack) { done(ack.id); }, function (e) { done('failed: ' + e); });", topic, transport);
    assertThat(published).as("publish over " + transport).asString().doesNotStartWith("failed");
    page.waitUntil(() -> page.events(topic).size() >= 3);
    assertThat(page.events(topic)).as("the page's own event, live over " + transport).containsExactly(first.id(), second.id(), (String) published);
    assertThat(page.errors()).isEmpty();
    assertThat(page.transport()).as("still on " + transport).isEqualTo(transport);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
