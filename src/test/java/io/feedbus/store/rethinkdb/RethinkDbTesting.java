package io.feedbus.store.rethinkdb;

import static com.rethinkdb.RethinkDB.r;

import com.rethinkdb.net.Connection;
import io.vertx.core.Future;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What the tests that need a real server share: the skip rule, the server address from
 * {@code RETHINKDB_HOST} / {@code RETHINKDB_PORT} (default 28015) / {@code RETHINKDB_USER} /
 * {@code RETHINKDB_PASSWORD}, and a fresh database per test that is dropped afterwards.
 */
final class RethinkDbTesting {

  static final String SKIP_REASON = "RETHINKDB_HOST is not set: skipping RethinkDB tests";

  private RethinkDbTesting() {
  }

  static void assumeServer() {
    Assumptions.assumeTrue(System.getenv("RETHINKDB_HOST") != null, SKIP_REASON);
  }

  static String host() {
    return System.getenv("RETHINKDB_HOST");
  }

  static int port() {
    String port = System.getenv("RETHINKDB_PORT");
    return port == null || port.isBlank() ? 28015 : Integer.parseInt(port);
  }

  /** Options for a fresh database with quick reconnects, so outage tests stay short. */
  static RethinkDbOptions freshOptions() {
    RethinkDbOptions options = new RethinkDbOptions();
    options.host = host();
    options.port = port();
    String user = System.getenv("RETHINKDB_USER");
    if (user != null && !user.isBlank()) {
      options.user = user;
    }
    String password = System.getenv("RETHINKDB_PASSWORD");
    if (password != null) {
      options.password = password;
    }
    options.database = "feedbus_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    options.connectTimeoutMillis = 3_000;
    options.reconnectInitialDelayMillis = 50;
    options.reconnectMaxDelayMillis = 500;
    return options;
  }

  /** The same server and database, reached through {@code 127.0.0.1:port} (a proxy). */
  static RethinkDbOptions through(RethinkDbOptions options, int port) {
    RethinkDbOptions copy = new RethinkDbOptions();
    copy.host = "127.0.0.1";
    copy.port = port;
    copy.user = options.user;
    copy.password = options.password;
    copy.database = options.database;
    copy.connectTimeoutMillis = options.connectTimeoutMillis;
    copy.reconnectInitialDelayMillis = options.reconnectInitialDelayMillis;
    copy.reconnectMaxDelayMillis = options.reconnectMaxDelayMillis;
    copy.resumeLookbackMillis = options.resumeLookbackMillis;
    copy.changefeedQueueSize = options.changefeedQueueSize;
    return copy;
  }

  /** A plain blocking driver connection for test setup and checks (never on an event loop). */
  static Connection connect(RethinkDbOptions options) {
    return new RethinkDbConnector(options).builder().connect();
  }

  static void dropDatabase(RethinkDbOptions options) {
    if (options == null) {
      return;
    }
    try (Connection connection = connect(options)) {
      r.dbDrop(options.database).run(connection);
    } catch (RuntimeException e) {
      if (!String.valueOf(e.getMessage()).contains("does not exist")) {
        throw e;
      }
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static Throwable failureOf(Future<?> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(60, TimeUnit.SECONDS);
  }
}
