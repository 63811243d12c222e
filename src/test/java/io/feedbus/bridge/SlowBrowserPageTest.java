package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slow browser in headless Chromium, on a bridge that drops: between the bridge and the page a
 * proxy reads slowly (alternately stalled and reading) or not at all while publishing goes on, then
 * freely, again and again. Whatever the bridge dropped, feedbus.js ends with every event exactly
 * once, in cursor order.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SlowBrowserPageTest {

  static final Duration CATCH_UP = Duration.ofSeconds(60);

  static Vertx vertx;
  static Feedbus node;
  static BridgeTestServer bridge;
  static StallingProxy network;
  static FeedbusClient client;
  static HeadlessChromium chromium;
  static BarePage page;
  static final AtomicLong dropped = new AtomicLong();

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
    // Catching up after drops reads more than one history page.
    options.history().maxLimit = 100;
    node = await(Feedbus.start(vertx, options));
    BridgeOptions bridgeOptions = new BridgeOptions();
    // Bounded by messages (a history page is one): a throttled tick frees fewer slots than half of
    // them, so a slow episode lasts until the page reads freely again, with drops and writes interleaved.
    bridgeOptions.maxQueuedMessages = 64;
    bridgeOptions.slowConsumerPolicy = BridgeOptions.SlowConsumerPolicy.drop;
    BridgeObserver observer = new BridgeObserver() {
      @Override
      public void dropped(BrowserConnection connection, int count) {
        dropped.addAndGet(count);
      }
    };
    bridge = await(BridgeTestServer.start(vertx, bridgeOptions, observer, router -> { }));
    network = await(StallingProxy.start(vertx, bridge.server.actualPort()));
    client = FeedbusClient.create(vertx, 10_000);
    chromium = HeadlessChromium.startOrSkip();
    page = new BarePage(chromium, network.origin());
  }

  @AfterAll
  static void stop() throws Exception {
    HeadlessChromium.closeThen(chromium, () -> network == null ? null : network.close(), () -> bridge == null ? null : bridge.close(),
        () -> node == null ? null : node.close(), vertx::close);
  }

  @Test
  void aBrowserThatReadsSlowlyThenFreelyWhilePublishingGoesOnGetsEveryEventOnceInOrder() throws Exception {
    String topic = "slow.page";
    Ack start = await(client.publish(topic, new JsonObject().put("phase", "start")));
    page.open(Map.of("reconnect", false));
    page.subscribe(topic, start.cursor());
    page.waitUntil(() -> page.live(topic));

    // Slower than the page reads freely, much faster than it reads throttled.
    Flood flood = new Flood(topic, 2);
    int rounds = 4;
    for (int round = 1; round <= rounds; round++) {
      // Slow: the bridge's queue stays at its bound, so it drops some events and writes others.
      await(network.throttle(8 * 1024, 50));
      await(droppedAtLeast(dropped.get() + 150));
      // Free: the bridge drains its queue and sends its notice; feedbus.js reads the rest from history.
      await(network.flow());
      int notices = round;
      page.waitUntil(() -> page.notices().size() >= notices && page.live(topic), CATCH_UP);
    }
    List<String> published = await(flood.stop());

    String last = published.get(published.size() - 1);
    page.waitUntil(() -> page.live(topic) && last.equals(page.lastDelivered(topic)), CATCH_UP);
    assertThat(page.events(topic)).as("every one of %d events once, in cursor order (%d dropped by the bridge)", published.size(), dropped.get())
        .isEqualTo(published);
    assertThat(page.errors()).isEmpty();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aSubscriptionFromNowWhoseFirstEventWasDroppedReadsItFromHistory() throws Exception {
    String noise = "slow.noise";
    String topic = "slow.fromnow";
    page.open(Map.of("reconnect", false));
    page.subscribe(noise, null);
    page.subscribe(topic, null);
    // A request on the same socket: once it is answered, the bridge has handled both registrations.
    assertThat(page.callAsync("harness.bus.history(arguments[0], null, 1).then(function () { done('ok'); }, function (e) { done(String(e)); });", noise))
        .isEqualTo("ok");

    await(network.stall());
    Flood before = new Flood(noise, 4);
    await(droppedAtLeast(dropped.get() + 100));
    // Nothing reaches the page and the bridge's queue is kept full by the flood (events are still being
    // dropped just before): the topic's first event, published meanwhile, is dropped too.
    await(droppedAtLeast(dropped.get() + 20));
    List<String> expected = new ArrayList<>();
    expected.add(await(client.publish(topic, new JsonObject().put("phase", "first"))).id());
    await(droppedAtLeast(dropped.get() + 50));
    List<String> noiseEvents = new ArrayList<>(await(before.stop()));
    noiseEvents.sort(null);
    await(network.flow());

    page.waitUntil(() -> page.delivered(topic) >= 1 && page.delivered(noise) >= noiseEvents.size(), CATCH_UP);
    // Whether the first event was dropped depends on how full the queue was at that instant (noise is
    // skipped once one of its events was dropped, so drops do not prove a full queue): when it was, the
    // notice names the topic and the page read it from history; either way it arrives exactly once.
    System.out.println("first event dropped: " + page.notices().stream()
        .anyMatch(notice -> ((List<Object>) notice.get("topics")).contains(topic)));
    expected.add(await(client.publish(topic, new JsonObject().put("phase", "live"))).id());
    page.waitUntil(() -> page.delivered(topic) >= expected.size());
    assertThat(page.events(topic)).as("the dropped first event, then the live one").isEqualTo(expected);
    assertThat(page.events(noise)).as("every noise event once, in cursor order").isEqualTo(noiseEvents);
    assertThat(page.errors()).isEmpty();
  }

  /** Completes once the bridge has dropped {@code target} events in all; fails after a bounded wait. */
  static Future<Void> droppedAtLeast(long target) {
    Promise<Void> reached = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    vertx.setPeriodic(5, id -> {
      if (dropped.get() >= target) {
        vertx.cancelTimer(id);
        reached.tryComplete();
      } else if (System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        reached.tryFail("the bridge dropped " + dropped.get() + " events, not " + target);
      }
    });
    return reached.future();
  }

  /**
   * Publishes on one topic with a few events in flight, each lane pausing {@value #PAUSE_MILLIS} ms
   * after an ack, until stopped; keeps every ack. Paced, not as fast as the store acknowledges: a
   * store that acks faster must not make the flood outrun a page that reads freely (the engine's
   * journal made acks several times faster, and an unpaced flood then kept the page dropping for good);
   * a 1 ms pause per lane keeps the rate near what it was with the MVStore commit.
   */
  static final class Flood {

    static final long PAUSE_MILLIS = 1;

    private final String topic;
    private final List<String> acked = Collections.synchronizedList(new ArrayList<>());
    private final List<Future<Void>> lanes = new ArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();
    private volatile boolean stopped;

    Flood(String topic, int inFlight) {
      this.topic = topic;
      for (int i = 0; i < inFlight; i++) {
        Promise<Void> lane = Promise.promise();
        lanes.add(lane.future());
        publishNext(lane);
      }
    }

    // Each publish starts the next from its reply: no future chain grows with the count.
    private void publishNext(Promise<Void> lane) {
      if (stopped) {
        lane.complete();
        return;
      }
      client.publish(topic, new JsonObject().put("n", sent.getAndIncrement()).put("pad", pad())).onComplete(ar -> {
        if (ar.failed()) {
          lane.fail(ar.cause());
        } else {
          acked.add(ar.result().id());
          vertx.setTimer(PAUSE_MILLIS, t -> publishNext(lane));
        }
      });
    }

    /** Stops, waits for the publishes in flight, and returns every acked id in cursor order. */
    Future<List<String>> stop() {
      stopped = true;
      return Future.all(lanes).map(x -> {
        List<String> ids = new ArrayList<>(acked);
        ids.sort(null);
        return ids;
      });
    }
  }

  /** 4000 random characters: WebSocket compression cannot shrink them, so a frame weighs what it says. */
  static String pad() {
    byte[] bytes = new byte[3000];
    ThreadLocalRandom.current().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
