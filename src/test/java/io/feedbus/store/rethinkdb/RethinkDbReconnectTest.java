package io.feedbus.store.rethinkdb;

import io.feedbus.testing.RethinkDbTesting;
import static io.feedbus.testing.RethinkDbTesting.await;
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
    AtomicBoolean downForGood = new AtomicBoolean();
    AtomicReference<Integer> expected = new AtomicReference<>(TOTAL);

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
          Event attempt = new Event(reader.clock().next(), "down", "x", Map.of(), "reader", true);
          reader.append(List.of(attempt)).onComplete(ar -> {
            failFast.complete(ar.failed() ? ar.cause() : null);
            proxy.resume();
          });
        }
      }
    };
    ChangeStream stream = await(reader.changes(null, listener));

    CursorClock clock = writer.clock();
    List<Event> published = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> publishing = Promise.promise();
    publish(clock, published, publishing);
    await(publishing.future());
    await(allReceived.future());

    Throwable failure = await(failFast.future());
    assertThat(failure).as("append through the cut proxy").isInstanceOf(FeedbusException.class);
    assertThat(((FeedbusException) failure).code()).isEqualTo("store_unavailable");

    // Once the proxy is back, writes through it work again (the connection reopens lazily).
    Event after = appendEventually("after", System.currentTimeMillis() + 15_000);
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

  /** Retries a write through the proxy until it works or the deadline passes; returns what was stored. */
  private Event appendEventually(Object payload, long deadline) throws Exception {
    while (true) {
      Event event = new Event(reader.clock().next(), "orders", payload, Map.of(), "reader", true);
      Throwable failure = RethinkDbTesting.failureOf(reader.append(List.of(event)));
      if (failure == null) {
        return event;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("writes through the proxy did not recover", failure);
      }
      await(vertx.timer(100));
    }
  }
}
