package io.feedbus.store.embedded;

import io.feedbus.store.EventLog;
import io.feedbus.store.EventLogContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine contract on the embedded engine with an index pass after every append: every read
 * then races the move of events from the journal's tail into the index (the default engine keeps
 * most of what a short test writes in the tail).
 */
class EmbeddedIndexedEventLogTest extends EventLogContract {

  @TempDir
  Path dir;

  @Override
  protected Future<EventLog> openLog(Vertx vertx) {
    return EmbeddedEventLog.open(vertx, dir, true, "node-1", System::currentTimeMillis, 1).map(log -> log);
  }

  @Override
  protected Future<EventLog> reopenLog(Vertx vertx, java.util.function.LongSupplier wallClock) {
    return EmbeddedEventLog.open(vertx, dir, true, "node-1", wallClock, 1).map(log -> log);
  }
}
