package io.feedbus.store.rethinkdb;

import static io.feedbus.store.rethinkdb.RethinkDbTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two nodes (two Vert.x instances, two engines) on one database see each other's events. */
class RethinkDbCrossNodeTest {

  private RethinkDbOptions options;
  private Vertx vertxA;
  private Vertx vertxB;
  private RethinkDbEventLog logA;
  private RethinkDbEventLog logB;

  @BeforeEach
  void open() throws Exception {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    logA = await(RethinkDbEventLog.open(vertxA, options, "node-a"));
    logB = await(RethinkDbEventLog.open(vertxB, options, "node-b"));
  }

  @AfterEach
  void close() throws Exception {
    if (options == null) {
      return;
    }
    await(logA.close());
    await(logB.close());
    await(vertxA.close());
    await(vertxB.close());
    RethinkDbTesting.dropDatabase(options);
  }

  private static List<Event> batch(CursorClock clock, String origin, int size) {
    List<Event> batch = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      batch.add(new Event(clock.next(), "orders." + origin, Map.of("i", i), Map.of(), origin, true));
    }
    return batch;
  }

  /** Collects events; completes once {@code expected} arrived. */
  private static final class Collector implements ChangeListener {
    final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    final Promise<List<Event>> done = Promise.promise();
    final int expected;

    Collector(int expected) {
      this.expected = expected;
    }

    @Override
    public void onEvent(Event event) {
      events.add(event);
      if (events.size() >= expected) {
        done.tryComplete(events);
      }
    }
  }

  private static List<String> ids(List<Event> events) {
    return events.stream().map(Event::id).collect(Collectors.toList());
  }

  @Test
  void anEventAppendedOnOneNodeReachesTheOtherNodesStream() throws Exception {
    Collector onB = new Collector(50);
    ChangeStream stream = await(logB.changes(null, onB));
    CursorClock clockA = new CursorClock("node-a");
    List<Event> appended = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<Event> batch = batch(clockA, "node-a", 10);
      appended.addAll(batch);
      await(logA.append(batch));
    }
    List<Event> received = await(onB.done.future());
    assertThat(ids(received)).containsExactlyElementsOf(ids(appended));
    assertThat(received.get(0).toJson()).isEqualTo(appended.get(0).toJson());
    await(stream.close());
  }

  @Test
  void eventsFromBothNodesReachBothStreamsOnceEachInEachNodesOrder() throws Exception {
    int perNode = 200;
    Collector onA = new Collector(2 * perNode);
    Collector onB = new Collector(2 * perNode);
    ChangeStream streamA = await(logA.changes(null, onA));
    ChangeStream streamB = await(logB.changes(null, onB));
    CursorClock clockA = new CursorClock("node-a");
    CursorClock clockB = new CursorClock("node-b");
    List<Event> fromA = new ArrayList<>();
    List<Event> fromB = new ArrayList<>();
    Future<Void> writerA = Future.succeededFuture();
    Future<Void> writerB = Future.succeededFuture();
    for (int i = 0; i < perNode / 10; i++) {
      List<Event> a = batch(clockA, "node-a", 10);
      List<Event> b = batch(clockB, "node-b", 10);
      fromA.addAll(a);
      fromB.addAll(b);
      writerA = writerA.compose(v -> logA.append(a));
      writerB = writerB.compose(v -> logB.append(b));
    }
    await(Future.all(writerA, writerB));
    for (Collector collector : List.of(onA, onB)) {
      List<Event> received = await(collector.done.future());
      assertThat(ids(received)).doesNotHaveDuplicates().hasSize(2 * perNode);
      assertThat(ids(received.stream().filter(e -> e.origin().equals("node-a")).collect(Collectors.toList())))
          .containsExactlyElementsOf(ids(fromA));
      assertThat(ids(received.stream().filter(e -> e.origin().equals("node-b")).collect(Collectors.toList())))
          .containsExactlyElementsOf(ids(fromB));
    }
    await(streamA.close());
    await(streamB.close());
  }
}
