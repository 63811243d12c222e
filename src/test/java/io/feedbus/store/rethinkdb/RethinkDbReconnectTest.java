package io.feedbus.store.rethinkdb;

import static io.feedbus.store.rethinkdb.RethinkDbTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.StoreStatus;
import io.feedbus.testing.TcpProxy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outages: the reader reaches the server through a {@link TcpProxy} that the test cuts, while a
 * writer publishes directly and never stops.
 */
class RethinkDbReconnectTest {

  private static final int TOTAL = 600;

  private RethinkDbOptions options;
  private Vertx vertx;
  private TcpProxy proxy;
  private RethinkDbEventLog writer;
  private RethinkDbEventLog reader;

  @BeforeEach
  void open() throws Exception {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    vertx = Vertx.vertx();
    writer = await(RethinkDbEventLog.open(vertx, options, "writer"));
    proxy = await(TcpProxy.start(vertx, options.host, options.port));
    reader = await(RethinkDbEventLog.open(vertx, RethinkDbTesting.through(options, proxy.port()), "reader"));
  }

  @AfterEach
  void close() throws Exception {
    if (options == null) {
      return;
    }
    await(reader.close());
    await(writer.close());
    await(proxy.close());
    await(vertx.close());
    RethinkDbTesting.dropDatabase(options);
  }

  @Test
  void theStreamDeliversEveryEventExactlyOnceAcrossCutConnectionsAndWritesFailFastWhileDown() throws Exception {
    List<Event> received = Collections.synchronizedList(new ArrayList<>());
    List<StoreStatus.State> statuses = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> allReceived = Promise.promise();
    Promise<Throwable> failFast = Promise.promise();
    AtomicLong failFastMillis = new AtomicLong();
    AtomicBoolean downForGood = new AtomicBoolean();
    AtomicReference<Integer> expected = new AtomicReference<>(TOTAL);
    CursorClock readerClock = new CursorClock("reader");

    ChangeListener listener = new ChangeListener() {
      @Override
      public void onEvent(Event event) {
        received.add(event);
        if (received.size() == 100) {
          proxy.dropAll(); // a short cut: reconnecting works at once
        } else if (received.size() == 300) {
          proxy.pause(); // a longer one: new connections are refused until resume()
          downForGood.set(true);
          proxy.dropAll();
        }
        if (received.size() >= expected.get()) {
          allReceived.tryComplete();
        }
      }

      @Override
      public void onStatus(StoreStatus status) {
        statuses.add(status.state());
        if (status.state() == StoreStatus.State.DISCONNECTED && downForGood.compareAndSet(true, false)) {
          long start = System.nanoTime();
          Event attempt = new Event(readerClock.next(), "down", "x", Map.of(), "reader", true);
          reader.append(List.of(attempt)).onComplete(ar -> {
            failFastMillis.set((System.nanoTime() - start) / 1_000_000);
            failFast.complete(ar.failed() ? ar.cause() : null);
            proxy.resume();
          });
        }
      }
    };
    ChangeStream stream = await(reader.changes(null, listener));

    CursorClock clock = new CursorClock("writer");
    List<Event> published = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> publishing = Promise.promise();
    publish(clock, published, publishing);
    await(publishing.future());
    await(allReceived.future());

    Throwable failure = await(failFast.future());
    assertThat(failure).as("append through the cut proxy").isInstanceOf(FeedbusException.class);
    assertThat(((FeedbusException) failure).code()).isEqualTo("store_unavailable");
    assertThat(failFastMillis.get()).as("milliseconds until the append failed").isLessThan(options.connectTimeoutMillis);

    // Once the proxy is back, writes through it work again (the connection reopens lazily).
    Event after = new Event(clock.next(), "orders", "after", Map.of(), "writer", true);
    appendEventually(after, System.currentTimeMillis() + 15_000);
    expected.set(TOTAL + 1);
    published.add(after);
    if (received.size() >= TOTAL + 1) {
      allReceived.tryComplete();
    }
    Promise<Void> last = Promise.promise();
    vertx.setPeriodic(20, id -> {
      if (received.size() >= TOTAL + 1) {
        vertx.cancelTimer(id);
        last.tryComplete();
      }
    });
    await(last.future());
    await(vertx.timer(500)); // a late duplicate would show up here

    List<String> receivedIds = received.stream().map(Event::id).collect(Collectors.toList());
    assertThat(receivedIds).doesNotHaveDuplicates();
    assertThat(receivedIds).containsExactlyElementsOf(published.stream().map(Event::id).collect(Collectors.toList()));
    assertThat(statuses).first().isEqualTo(StoreStatus.State.CONNECTED);
    assertThat(statuses.stream().filter(s -> s == StoreStatus.State.DISCONNECTED).count()).isGreaterThanOrEqualTo(2);
    assertThat(statuses.stream().filter(s -> s == StoreStatus.State.RECONNECTED).count()).isGreaterThanOrEqualTo(2);
    assertThat(proxy.accepted()).isGreaterThan(3);
    await(stream.close());
  }

  /** Publishes TOTAL events from the writer, two per batch, one batch every 5 ms. */
  private void publish(CursorClock clock, List<Event> published, Promise<Void> done) {
    if (published.size() >= TOTAL) {
      done.tryComplete();
      return;
    }
    List<Event> batch = List.of(
        new Event(clock.next(), "orders", published.size(), Map.of(), "writer", true),
        new Event(clock.next(), "orders", published.size() + 1, Map.of(), "writer", true));
    writer.append(batch).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      published.addAll(batch);
      vertx.setTimer(5, id -> publish(clock, published, done));
    });
  }

  /** Retries a write through the proxy until it works or the deadline passes. */
  private void appendEventually(Event event, long deadline) throws Exception {
    while (true) {
      Future<Void> attempt = reader.append(List.of(event));
      Throwable failure = RethinkDbTesting.failureOf(attempt);
      if (failure == null) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("writes through the proxy did not recover", failure);
      }
      await(vertx.timer(100));
    }
  }
}
