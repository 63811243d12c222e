package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.feedbus.event.Event;
import io.feedbus.event.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * feedbus.js's replay-then-live in headless Chromium, against a node whose history pages are
 * smaller than the pages feedbus.js asks for ({@code history.maxLimit} 100).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserReplayTest {

  static final int MAX_LIMIT = 100;

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
    options.history().maxLimit = MAX_LIMIT;
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

  @Test
  void aReplayLongerThanTheServersPageLimitFollowsNextToTheEndThenGoesLive() throws Exception {
    String topic = "replay.long";
    Ack start = await(client.publish(topic, new JsonObject().put("phase", "start")));
    List<String> expected = publish(client, topic, 600);

    page.open(Map.of("reconnect", false));
    page.subscribe(topic, start.cursor());
    page.waitUntil(() -> page.live(topic) && page.events(topic).size() >= expected.size());
    assertThat(page.events(topic)).as("all 600, in order, though each history page holds at most " + MAX_LIMIT).isEqualTo(expected);

    expected.add(await(client.publish(topic, new JsonObject().put("phase", "live"))).id());
    page.waitUntil(() -> page.events(topic).size() >= expected.size());
    assertThat(page.events(topic)).isEqualTo(expected);
  }

  @Test
  void aLateLiveDeliveryOfAnEventTheReplayAlreadyShowedIsNotDeliveredAgain() throws Exception {
    String topic = "replay.late";
    Ack start = await(client.publish(topic, new JsonObject().put("phase", "start")));
    List<String> expected = publish(client, topic, 3);

    page.open(Map.of("reconnect", false));
    page.subscribe(topic, start.cursor());
    page.waitUntil(() -> page.live(topic) && page.events(topic).size() >= expected.size());
    assertThat(page.events(topic)).isEqualTo(expected);

    // History may show an event before its live delivery arrives: deliver the last replayed one live
    // now (as the broker would, late), then a new event.
    Event last = await(client.history(topic, start.cursor(), 10)).get(2);
    assertThat(last.id()).isEqualTo(expected.get(2));
    vertx.eventBus().publish(Topic.localAddress(topic), last, io.feedbus.event.EventCodec.localDelivery());
    expected.add(await(client.publish(topic, new JsonObject().put("phase", "live"))).id());

    page.waitUntil(() -> page.events(topic).contains(expected.get(3)));
    assertThat(page.events(topic)).as("each event once, in cursor order").isEqualTo(expected);
  }

  /** Publishes {@code count} events, a few at a time; returns their ids in cursor order. */
  static List<String> publish(FeedbusClient client, String topic, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int batch = 0; batch < count; batch += 50) {
      List<Future<Ack>> acks = new ArrayList<>();
      for (int i = batch; i < Math.min(count, batch + 50); i++) {
        acks.add(client.publish(topic, new JsonObject().put("i", i)));
      }
      await(Future.all(acks));
      acks.forEach(ack -> ids.add(ack.result().id()));
    }
    ids.sort(null);
    return ids;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
