package io.feedbus.store.rethinkdb;

import static io.feedbus.testing.RethinkDbTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Event;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.StoreStatus;
import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.testing.Waits;
import io.feedbus.testing.TcpProxy;
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
 * A reader whose connections to the server go silent (bytes stop, sockets stay open) while another
 * node keeps writing: the stall is detected, reported and repaired, and every event still arrives
 * once, in order.
 */
class RethinkDbStallTest {

  private RethinkDbOptions options;
  private Vertx vertx;
  private TcpProxy proxy;
  private RethinkDbEventLog writer;
  private RethinkDbEventLog reader;

  @BeforeEach
  void open() throws Exception {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    options.queryTimeoutMillis = 1_000;
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
  void aSilentFeedIsDetectedReportedAndReopenedWithoutLosingEvents() throws Exception {
    List<Event> received = Collections.synchronizedList(new ArrayList<>());
    List<StoreStatus> statuses = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> reconnected = Promise.promise();
    ChangeStream stream = await(reader.changes(null, new ChangeListener() {
      @Override
      public void onEvent(Event event) {
        received.add(event);
      }

      @Override
      public void onStatus(StoreStatus status) {
        statuses.add(status);
        if (status.state() == StoreStatus.State.RECONNECTED) {
          reconnected.tryComplete();
        }
      }
    }));
    List<Event> written = new ArrayList<>();
    written.addAll(writeBatches(5));
    await(Waits.until(vertx, () -> received.size() >= written.size()));

    proxy.freeze();
    // The writer goes on while the reader's links are silent.
    written.addAll(writeBatches(20));
    await(reconnected.future());
    written.addAll(writeBatches(5));
    await(Waits.until(vertx, () -> received.size() >= written.size()));
    await(vertx.timer(300));

    assertThat(received.stream().map(Event::id).collect(Collectors.toList()))
        .containsExactlyElementsOf(written.stream().map(Event::id).sorted().collect(Collectors.toList()));
    assertThat(statuses).anySatisfy(s -> {
      assertThat(s.state()).isEqualTo(StoreStatus.State.DISCONNECTED);
      assertThat(s.detail()).contains("stalled");
    });
    assertThat(reader.feedStalls()).isGreaterThanOrEqualTo(1);
    proxy.thaw();
    await(stream.close());
  }

  @Test
  void aPageReadFromASilentServerFailsWithinTheQueryTimeoutAndTheNextReadConnectsAgain() throws Exception {
    List<String> written = writeBatches(3).stream().map(Event::id).collect(Collectors.toList());
    awaitPage(written);

    proxy.freeze();
    Throwable failure = RethinkDbTesting.failureOf(reader.readPage("orders", null, 100, Long.MAX_VALUE));
    assertThat(failure).as("a page read on a silent link fails instead of hanging").isNotNull();
    assertThat(io.feedbus.event.FeedbusException.from(failure).code()).isEqualTo("store_unavailable");
    assertThat(failure).hasMessageContaining("readPage");

    // The silent connection was closed: the next reads connect again (new links are not frozen).
    awaitPage(written);
    assertThat(await(reader.readBefore("orders", null, 100, Long.MAX_VALUE)).events().stream().map(Event::id))
        .containsExactlyElementsOf(written);
    proxy.thaw();
  }

  /** Reads the topic's first page until it holds exactly {@code ids} (a read may fail while the reader reconnects). */
  private void awaitPage(List<String> ids) throws Exception {
    for (int attempt = 0; ; attempt++) {
      Future<List<String>> read = reader.readPage("orders", null, 100, Long.MAX_VALUE)
          .map(page -> page.events().stream().map(Event::id).collect(Collectors.toList()));
      List<String> page = RethinkDbTesting.failureOf(read) == null ? await(read) : null;
      if (ids.equals(page)) {
        return;
      }
      assertThat(attempt).as("reads of the page, last: %s", page).isLessThan(100);
      await(vertx.timer(100));
    }
  }

  private List<Event> writeBatches(int batches) throws Exception {
    List<Event> written = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      List<Event> batch = new ArrayList<>();
      for (int j = 0; j < 10; j++) {
        batch.add(new Event(writer.clock().next(), "orders", Map.of("b", i, "j", j), Map.of(), "writer", true));
      }
      await(writer.append(batch));
      written.addAll(batch);
      await(vertx.timer(100));
    }
    return written;
  }

}
