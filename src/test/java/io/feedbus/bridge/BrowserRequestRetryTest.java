package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.feed.HistoryRequest;
import io.feedbus.publish.PublishRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * feedbus.js in headless Chromium asks again when the bridge's bounds refused a request it may
 * repeat (429 {@code too_many_requests}: it never reached the service; 503 {@code slow_consumer} on
 * history: reading is safe to repeat), and never repeats a publish whose answer did not fit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserRequestRetryTest {

  static Vertx vertx;
  static BridgeTestServer bridge;
  static HeadlessChromium chromium;
  static BarePage page;
  static final AtomicInteger historyAsked = new AtomicInteger();
  static final AtomicInteger publishAsked = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    // Services of this test: history refuses twice as the bridge's bounds would, then answers; publish
    // answers as the bridge does when an answer does not fit.
    vertx.eventBus().<JsonObject>consumer(HistoryRequest.ADDRESS, m -> {
      int n = historyAsked.incrementAndGet();
      if (n == 1) {
        m.fail(429, "too_many_requests: this connection has 64 requests awaiting their answer");
      } else if (n == 2) {
        m.fail(503, "slow_consumer: the answer does not fit this connection's write queue");
      } else {
        m.reply(new JsonObject().put("events", new JsonArray().add(new JsonObject().put("id", "e1"))));
      }
    });
    vertx.eventBus().<JsonObject>consumer(PublishRequest.ADDRESS, m -> {
      publishAsked.incrementAndGet();
      m.fail(503, "slow_consumer: the answer does not fit this connection's write queue");
    });
    bridge = await(BridgeTestServer.start(vertx, new BridgeOptions(), BridgeObserver.NONE, router -> { }));
    chromium = HeadlessChromium.startOrSkip();
    page = new BarePage(chromium, bridge.origin());
  }

  @AfterAll
  static void stop() throws Exception {
    HeadlessChromium.closeThen(chromium, () -> bridge == null ? null : bridge.close(), vertx::close);
  }

  @Test
  void aHistoryReadRefusedByTheBoundsIsAskedAgainAndAPublishIsNot() {
    page.open(Map.of("reconnect", false));
    Object history = page.callAsync("harness.bus.history('t', null, 1).then("
        + "function (page) { done(page.events[0].id); }, function (e) { done('failed: ' + e); });");
    assertThat(history).isEqualTo("e1");
    assertThat(historyAsked.get()).isEqualTo(3);

    Object publish = page.callAsync("harness.bus.publish('t', 1).then("
        + "function () { done('stored'); }, function (e) { done(e.code); });");
    assertThat(publish).isEqualTo("slow_consumer");
    assertThat(publishAsked.get()).isEqualTo(1);
  }
}
