package io.feedbus.client;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.event.Ack;
import io.feedbus.event.Event;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.testing.SwitchableStatusEventLog;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code subscribe(topic, cursor, handler)}: replay, then live, with no gap and no duplicate. */
@ExtendWith(VertxExtension.class)
class ReplayThenLiveTest {

  @TempDir
  Path dir;
  SwitchableStatusEventLog log;
  Feedbus node;
  FeedbusClient client;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    log = new SwitchableStatusEventLog(await(EmbeddedEventLog.open(vertx, dir, true, "node-1")));
    node = await(Feedbus.start(vertx, TestNodes.options(dir), log));
    client = FeedbusClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    await(node.close());
  }

  /** Publishes {@code count} events from {@code publishers} concurrent publishers; returns their acks. */
  private Future<List<Ack>> publishConcurrently(String topic, int count, int publishers, AtomicInteger next) {
    List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> loops = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      loops.add(publishLoop(topic, count, next, acks));
    }
    return Future.all(loops).map(v -> acks);
  }

  private Future<Void> publishLoop(String topic, int count, AtomicInteger next, List<Ack> acks) {
    int n = next.getAndUpdate(x -> x < count ? x + 1 : x);
    if (n >= count) {
      return Future.succeededFuture();
    }
    return client.publish(topic, n).compose(ack -> {
      acks.add(ack);
      return publishLoop(topic, count, next, acks);
    });
  }

  @Test
  void tenThousandEventsArriveOnceInOrderWhilePublishersKeepPublishingDuringTheSwitch() throws Exception {
    int total = 10_000;
    int beforeSubscribe = 4_000;
    AtomicInteger next = new AtomicInteger();
    List<Ack> acks = new ArrayList<>(await(publishConcurrently("stream", beforeSubscribe, 32, next)));
    acks.sort(java.util.Comparator.comparing(Ack::cursor));
    // Subscribe from a cursor in the middle of history while 32 publishers keep going.
    String from = acks.get(999).cursor();
    List<Event> received = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> allReceived = Promise.promise();
    int expected = total - 1000;
    Future<List<Ack>> rest = publishConcurrently("stream", total, 32, next);
    Subscription subscription = await(client.subscribe("stream", from, event -> {
      received.add(event);
      if (received.size() == expected) {
        allReceived.tryComplete();
      }
    }));
    acks.addAll(await(rest));
    try {
      await(allReceived.future());
    } catch (java.util.concurrent.TimeoutException e) {
      List<String> got = received.stream().map(Event::id).collect(Collectors.toList());
      List<String> want = acks.stream().map(Ack::id).sorted().skip(1000).collect(Collectors.toList());
      List<String> missing = new ArrayList<>(want);
      missing.removeAll(got);
      throw new AssertionError("received " + got.size() + " of " + expected + "; distinct " + got.stream().distinct().count()
          + "; missing " + missing.size() + " e.g. " + missing.subList(0, Math.min(5, missing.size())) + " acks " + acks.size()
          + " first got " + got.subList(0, Math.min(3, got.size())) + " from " + from);
    }
    assertThat(subscription.live()).isTrue();

    List<String> ids = received.stream().map(Event::id).collect(Collectors.toList());
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(ids).isSorted();
    List<String> expectedIds = acks.stream().map(Ack::id).sorted().skip(1000).collect(Collectors.toList());
    assertThat(ids).containsExactlyElementsOf(expectedIds);
    assertThat(subscription.lastCursor()).isEqualTo(expectedIds.get(expectedIds.size() - 1));
    await(subscription.cancel());
  }

  /**
   * The last page of the replay has been read, and its answer is held until more live events than
   * the buffer may keep have reached the subscription: they were stored after that read, so only
   * reading history again after the replay brings the ones the overflow dropped.
   */
  @Test
  void aLiveFloodBeyondTheBufferDuringReplayIsReadFromHistoryAndEveryEventArrivesOnceInOrder(Vertx vertx) throws Exception {
    String topic = "flood";
    int cap = FeedbusClient.DEFAULT_MAX_LIVE_BUFFER;
    // Full pages, then a last one that is not: the replay ends with it.
    int stored = 4 * FeedbusClient.REPLAY_PAGE + FeedbusClient.REPLAY_PAGE / 2;
    int flood = 2 * cap + FeedbusClient.REPLAY_PAGE;
    Ack start = await(client.publish(topic, -1));
    List<Ack> acks = new ArrayList<>(await(publishConcurrently(topic, stored, 32, new AtomicInteger())));
    AtomicInteger liveSeen = new AtomicInteger();
    // A listener of its own: once it has seen the whole flood, so was it handed to the subscription's consumer.
    io.vertx.core.eventbus.MessageConsumer<Object> observer =
        vertx.eventBus().localConsumer(io.feedbus.event.Topic.address(topic), m -> liveSeen.incrementAndGet());
    await(observer.completion());
    Promise<Void> lastPageRead = Promise.promise();
    Promise<Void> release = Promise.promise();
    log.holdPages(page -> {
      if (!page.full() && page.events().size() == stored % FeedbusClient.REPLAY_PAGE && lastPageRead.tryComplete()) {
        return release.future();
      }
      return Future.succeededFuture();
    });

    List<Event> received = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> allReceived = Promise.promise();
    int expected = stored + flood;
    Future<Subscription> subscribing = client.subscribe(topic, start.cursor(), event -> {
      received.add(event);
      if (received.size() == expected) {
        allReceived.tryComplete();
      }
    });
    await(lastPageRead.future());
    acks.addAll(await(publishConcurrently(topic, flood, 32, new AtomicInteger())));
    waitFor(() -> liveSeen.get() == flood, () -> "the topic's bus observer saw " + liveSeen.get() + " of the " + flood
        + " acknowledged live events; the subscription received " + received.size());
    release.complete();
    ReplayingSubscription subscription = (ReplayingSubscription) await(subscribing);
    await(allReceived.future());

    List<String> ids = received.stream().map(Event::id).collect(Collectors.toList());
    assertThat(ids).doesNotHaveDuplicates().isSorted();
    assertThat(ids).containsExactlyElementsOf(acks.stream().map(Ack::id).sorted().collect(Collectors.toList()));
    assertThat(subscription.liveBufferOverflows()).as("the flood overflowed the buffer").isPositive();
    assertThat(subscription.mostLiveBuffered()).as("the buffer never held more than its bound").isEqualTo(cap);
    assertThat(subscription.live()).isTrue();
    Ack after = await(client.publish(topic, "after"));
    waitFor(() -> received.size() == expected + 1);
    assertThat(received.get(expected).id()).isEqualTo(after.id());
    await(subscription.cancel());
    await(observer.unregister());
  }

  @Test
  void aResubscribeWithTheLastCursorGetsExactlyWhatWasMissed() throws Exception {
    List<Integer> first = Collections.synchronizedList(new ArrayList<>());
    Subscription s1 = await(client.subscribe("resume", null, e -> first.add((Integer) e.payload())));
    for (int i = 0; i < 5; i++) {
      await(client.publish("resume", i));
    }
    waitFor(() -> first.size() == 5);
    String cursor = s1.lastCursor();
    await(s1.cancel());
    for (int i = 5; i < 10; i++) {
      await(client.publish("resume", i));
    }
    List<Integer> second = Collections.synchronizedList(new ArrayList<>());
    Subscription s2 = await(client.subscribe("resume", cursor, e -> second.add((Integer) e.payload())));
    await(client.publish("resume", 10));
    waitFor(() -> second.size() == 6);
    assertThat(second).containsExactlyElementsOf(IntStream.range(5, 11).boxed().collect(Collectors.toList()));
    await(s2.cancel());
  }

  @Test
  void subscribeWithoutCursorGetsOnlyNewEvents(Vertx vertx) throws Exception {
    // The ack of "old" and its live delivery both follow its commit, in either order: "old" is old
    // for a subscription once the feed has delivered it (else it is new to one that starts before).
    Promise<Void> deliveredLive = Promise.promise();
    io.vertx.core.eventbus.MessageConsumer<Object> observer =
        vertx.eventBus().localConsumer(io.feedbus.event.Topic.address("fresh"), m -> deliveredLive.tryComplete());
    await(observer.completion());
    await(client.publish("fresh", "old"));
    await(deliveredLive.future());
    await(observer.unregister());
    List<Object> received = Collections.synchronizedList(new ArrayList<>());
    Subscription s = await(client.subscribe("fresh", null, e -> received.add(e.payload())));
    await(client.publish("fresh", "new"));
    waitFor(() -> received.size() == 1);
    assertThat(received).containsExactly("new");
    await(s.cancel());
  }

  @Test
  void subscribeWithAnInvalidCursorFailsClearly() {
    Throwable failure = client.subscribe("x", "not-a-cursor", e -> { }).toCompletionStage().toCompletableFuture().handle((v, t) -> t).join();
    assertThat(failure).hasMessageContaining("not a feedbus cursor");
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    waitFor(condition, () -> "condition not met in time");
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, java.util.function.Supplier<String> failure)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(failure.get());
      }
      Thread.sleep(10);
    }
  }
}
