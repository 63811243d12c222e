package io.feedbus.store.rethinkdb;

import io.feedbus.testing.RethinkDbTesting;
import static io.feedbus.testing.RethinkDbTesting.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.EventLog;
import io.feedbus.store.EventLogContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine contract on RethinkDB (a fresh database per test), plus what only this engine does. */
class RethinkDbEventLogTest extends EventLogContract {

  private RethinkDbOptions options;

  @Override
  protected Future<EventLog> openLog(Vertx vertx) {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    return RethinkDbEventLog.open(vertx, options, "contract-node").map(log -> log);
  }

  @Override
  protected Future<EventLog> reopenLog(Vertx vertx, java.util.function.LongSupplier wallClock) {
    return RethinkDbEventLog.open(vertx, options, "contract-node", wallClock).map(log -> log);
  }

  @AfterEach
  void dropDatabase() throws Exception {
    if (log != null) {
      await(log.close());
    }
    RethinkDbTesting.dropDatabase(options);
  }

  @Test
  void everyNodeSeesEveryEventThroughTheSharedDatabase() {
    assertThat(log.sharedAcrossNodes()).isTrue();
  }

  @Test
  void aClosedLogRefusesWritesWithStoreUnavailable() throws Exception {
    await(log.close());
    Throwable failure = failureOf(log.append(List.of(event("x", 1))));
    assertThat(failure).isInstanceOf(FeedbusException.class);
    assertThat(((FeedbusException) failure).code()).isEqualTo("store_unavailable");
    assertThat(((FeedbusException) failure).status()).isEqualTo(503);
    log = null;
  }

  @Test
  void openingAgainstAnUnreachableServerFailsWithStoreUnavailable(Vertx vertx) throws Exception {
    RethinkDbOptions nowhere = RethinkDbTesting.through(options, 1); // nothing listens on port 1
    Throwable failure = failureOf(RethinkDbEventLog.open(vertx, nowhere, "n"));
    assertThat(failure).isInstanceOf(FeedbusException.class);
    assertThat(((FeedbusException) failure).code()).isEqualTo("store_unavailable");
  }
}
