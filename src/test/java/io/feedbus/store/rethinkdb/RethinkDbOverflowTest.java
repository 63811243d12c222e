package io.feedbus.store.rethinkdb;

import static io.feedbus.store.rethinkdb.RethinkDbTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.store.ChangeStream;
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

/** A burst larger than the server's changefeed queue still arrives, once each, in order. */
class RethinkDbOverflowTest {

  private RethinkDbOptions options;
  private Vertx vertx;
  private RethinkDbEventLog writer;
  private RethinkDbEventLog reader;

  @BeforeEach
  void open() throws Exception {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    vertx = Vertx.vertx();
    writer = await(RethinkDbEventLog.open(vertx, options, "writer"));
    RethinkDbOptions small = RethinkDbTesting.through(options, options.port);
    small.host = options.host;
    small.changefeedQueueSize = 100;
    reader = await(RethinkDbEventLog.open(vertx, small, "reader"));
  }

  @AfterEach
  void close() throws Exception {
    if (options == null) {
      return;
    }
    await(reader.close());
    await(writer.close());
    await(vertx.close());
    RethinkDbTesting.dropDatabase(options);
  }

  @Test
  void aBurstBeyondTheChangefeedQueueIsDeliveredExactlyOnce() throws Exception {
    int total = 1000;
    List<Event> received = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> all = Promise.promise();
    ChangeStream stream = await(reader.changes(null, event -> {
      received.add(event);
      if (received.size() >= total) {
        all.tryComplete();
      }
    }));
    CursorClock clock = new CursorClock("writer");
    List<Event> burst = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      burst.add(new Event(clock.next(), "burst", i, Map.of(), "writer", true));
    }
    await(writer.append(burst));
    await(all.future());
    // A little longer, so a duplicate arriving late would be seen too.
    await(vertx.timer(500));
    assertThat(received.stream().map(Event::id).collect(Collectors.toList()))
        .containsExactlyElementsOf(burst.stream().map(Event::id).collect(Collectors.toList()));
    assertThat(((RethinkDbChangeStream) stream).overflows())
        .as("1000 changes at once should overflow a 100-change feed queue (see RETHINKDB-NOTES)")
        .isPositive();
    await(stream.close());
  }
}
