package io.feedbus.store.rethinkdb;

import static io.feedbus.testing.RethinkDbTesting.await;
import static io.feedbus.testing.RethinkDbTesting.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.testing.RethinkDbTesting;
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

/**
 * Nodes (each its own Vert.x and engine) on one database: each sees the others' events, every
 * stream delivers all of them once in cursor order, and nothing one node commits late is skipped by
 * another node's readers.
 */
class RethinkDbCrossNodeTest {

  private RethinkDbOptions options;
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<RethinkDbEventLog> logs = new ArrayList<>();

  @BeforeEach
  void fresh() {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
  }

  @AfterEach
  void close() throws Exception {
    for (RethinkDbEventLog log : logs) {
      await(log.close());
    }
    for (Vertx vertx : vertxes) {
      await(vertx.close());
    }
    RethinkDbTesting.dropDatabase(options);
  }

  private RethinkDbEventLog node(String name) throws Exception {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    RethinkDbEventLog log = await(RethinkDbEventLog.open(vertx, options, name));
    logs.add(log);
    return log;
  }

  /** A batch stamped by the node's own clock, as its publish path does. */
  private static List<Event> batch(RethinkDbEventLog log, String topic, int size) {
    List<Event> batch = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      batch.add(new Event(log.clock().next(), topic, Map.of("i", i), Map.of(), log.nodeId(), true));
    }
    return batch;
  }

  /** Collects events; completes once {@code expected} arrived. */
  private static final class Collector implements ChangeListener {
    final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    final Promise<List<Event>> done = Promise.promise();
    volatile int expected;

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

  private static List<String> sorted(List<Event> events) {
    return events.stream().map(Event::id).sorted().collect(Collectors.toList());
  }

  @Test
  void anEventAppendedOnOneNodeReachesTheOtherNodesStream() throws Exception {
    RethinkDbEventLog a = node("node-a");
    RethinkDbEventLog b = node("node-b");
    Collector onB = new Collector(50);
    ChangeStream stream = await(b.changes(null, onB));
    List<Event> appended = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<Event> batch = batch(a, "orders", 10);
      appended.addAll(batch);
      await(a.append(batch));
    }
    List<Event> received = await(onB.done.future());
    assertThat(ids(received)).containsExactlyElementsOf(ids(appended));
    assertThat(received.get(0).toJson()).isEqualTo(appended.get(0).toJson());
    await(stream.close());
  }

  @Test
  void concurrentWritersOnThreeNodesReachEveryStreamOnceInCursorOrder() throws Exception {
    List<RethinkDbEventLog> nodes = List.of(node("node-a"), node("node-b"), node("node-c"));
    int batches = 40;
    int size = 25;
    int total = nodes.size() * batches * size;
    List<Collector> collectors = new ArrayList<>();
    List<ChangeStream> streams = new ArrayList<>();
    for (RethinkDbEventLog node : nodes) {
      Collector collector = new Collector(total);
      collectors.add(collector);
      streams.add(await(node.changes(null, collector)));
    }
    List<Event> written = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> writers = new ArrayList<>();
    for (RethinkDbEventLog node : nodes) {
      // Four writers per node, each a chain of appends: batches of one node commit concurrently.
      for (int w = 0; w < 4; w++) {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < batches / 4; i++) {
          chain = chain.compose(v -> {
            List<Event> batch = batch(node, "orders", size);
            return node.append(batch).onSuccess(x -> written.addAll(batch));
          });
        }
        writers.add(chain);
      }
    }
    await(Future.all(writers));
    List<String> expected = sorted(written);
    for (Collector collector : collectors) {
      List<Event> received = await(collector.done.future());
      assertThat(ids(received)).as("delivered in cursor order, each once").containsExactlyElementsOf(expected);
    }
    // History agrees with the live order.
    List<Event> history = new ArrayList<>();
    Cursor after = null;
    while (true) {
      List<Event> page = await(nodes.get(1).readAfter("orders", after, 700));
      history.addAll(page);
      if (page.size() < 700) {
        break;
      }
      after = page.get(page.size() - 1).cursor();
    }
    assertThat(ids(history)).containsExactlyElementsOf(expected);
    for (ChangeStream stream : streams) {
      await(stream.close());
    }
  }

  @Test
  void aWriteStillInFlightOnOneNodeHoldsBackWhatOtherNodesCommitAfterIt() throws Exception {
    RethinkDbEventLog a = node("node-a");
    RethinkDbEventLog b = node("node-b");
    Collector onA = new Collector(11);
    ChangeStream stream = await(a.changes(null, onA));
    // B takes a cursor (its write is "in flight") but has not committed it yet.
    Event late = new Event(b.clock().next(), "orders", "late", Map.of(), "node-b", true);
    await(vertxes.get(1).timer(50));
    List<Event> fromA = batch(a, "orders", 10);
    await(a.append(fromA));
    await(vertxes.get(0).timer(500));
    assertThat(onA.events).as("nothing after B's pending cursor is delivered yet").isEmpty();
    assertThat(await(a.readAfter("orders", null, 100))).as("nor readable").isEmpty();
    await(b.append(List.of(late)));
    List<Event> received = await(onA.done.future());
    List<Event> all = new ArrayList<>(fromA);
    all.add(late);
    assertThat(ids(received)).containsExactlyElementsOf(sorted(all));
    assertThat(received.get(0).id()).isEqualTo(late.id());
    await(stream.close());
  }

  @Test
  void aNodeJoiningWithItsClockBehindNeverCommitsBelowWhatOthersDelivered() throws Exception {
    RethinkDbEventLog a = node("node-a");
    Collector onA = new Collector(1);
    ChangeStream stream = await(a.changes(null, onA));
    // A's reader moves on with A's clock while A is idle; B's clock is ten seconds behind.
    await(vertxes.get(0).timer(600));
    Cursor deliveredBeforeB = ((RethinkDbChangeStream) stream).readBound();
    Vertx vertxB = Vertx.vertx();
    vertxes.add(vertxB);
    RethinkDbEventLog b = await(RethinkDbEventLog.open(vertxB, options, "node-b", () -> System.currentTimeMillis() - 10_000));
    logs.add(b);
    List<Event> fromB = batch(b, "orders", 1);
    assertThat(fromB.get(0).cursor()).as("B's first cursor").isGreaterThan(deliveredBeforeB);
    await(b.append(fromB));
    List<Event> received = await(onA.done.future());
    assertThat(ids(received)).containsExactly(fromB.get(0).id());
    await(stream.close());
  }

  @Test
  void aNodeThatStopsBeatingIsFencedAndNoLongerHoldsTheOthersBack() throws Exception {
    RethinkDbEventLog a = node("node-a");
    Vertx vertxB = Vertx.vertx();
    RethinkDbEventLog b = await(RethinkDbEventLog.open(vertxB, options, "node-b"));
    Collector onA = new Collector(10);
    ChangeStream stream = await(a.changes(null, onA));
    Event stuck = new Event(b.clock().next(), "orders", "never", Map.of(), "node-b", true);
    // B dies without leaving: its Vert.x goes away, its document stays with a frontier below A's writes.
    await(vertxB.close());
    List<Event> fromA = batch(a, "orders", 10);
    await(a.append(fromA));
    List<Event> received = await(onA.done.future());
    assertThat(ids(received)).containsExactlyElementsOf(ids(fromA));
    // B's late write, were it still running, is refused: it was fenced.
    Vertx revived = Vertx.vertx();
    vertxes.add(revived);
    RethinkDbEventLog again = await(RethinkDbEventLog.open(revived, options, "node-b"));
    logs.add(again);
    assertThat(again.clock().next()).as("a node that joins again takes cursors after everything delivered")
        .isGreaterThan(fromA.get(fromA.size() - 1).cursor());
    assertThat(stuck.cursor()).isLessThan(fromA.get(0).cursor());
    await(stream.close());
  }

  @Test
  void anInsertOfAFencedWriterIsRefused() throws Exception {
    RethinkDbEventLog a = node("node-a");
    RethinkDbEventLog b = node("node-b");
    Event event = batch(b, "orders", 1).get(0);
    // B's insert as it would leave the node: guarded by B's current writer document.
    var insert = b.frontiers().guard(b.events().insert(RethinkDbDocuments.toDocument(event)));
    // The others fence B (they delete its document when it was silent too long); B joins again.
    RethinkDbTesting.query(options, io.feedbus.store.rethinkdb.wire.Reql.db(options.database).table(options.nodesTable)
        .filter(new io.vertx.core.json.JsonObject().put("nodeId", "node-b")).delete());
    Throwable refused = null;
    try {
      RethinkDbTesting.query(options, insert);
    } catch (Exception e) {
      refused = e.getCause() != null ? e.getCause() : e;
    }
    assertThat(refused).isNotNull().hasMessageContaining(RethinkDbErrors.FENCED);
    assertThat(await(a.readAfter("orders", null, 10))).isEmpty();
    // B itself writes again once it has joined under a new id.
    List<Event> after = null;
    for (int attempt = 0; attempt < 50 && after == null; attempt++) {
      List<Event> batch = batch(b, "orders", 1);
      if (failureOf(b.append(batch)) == null) {
        after = batch;
      } else {
        await(vertxes.get(1).timer(100));
      }
    }
    assertThat(after).as("B writes again after joining").isNotNull();
  }
}
