package io.feedbus.testing;

import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.store.rethinkdb.RethinkDbServerProcess;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlConnection;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real RethinkDB server the tests use: {@code RETHINKDB_HOST} / {@code RETHINKDB_PORT} (default
 * 28015, with {@code RETHINKDB_USER} / {@code RETHINKDB_PASSWORD}) when set; otherwise a
 * {@code rethinkdb} binary ({@code RETHINKDB_BIN}, or on the {@code PATH}) started once per test JVM
 * on free loopback ports and stopped when the JVM exits; otherwise none, and the tests that need one
 * are skipped with {@link #skipReason()} (also printed on the build's console before the tests run,
 * by {@link RethinkDbAvailability}).
 */
public final class RethinkDbTesting {

  private static final String NO_SERVER = "no RethinkDB server: set RETHINKDB_HOST (and RETHINKDB_PORT), or put a"
      + " rethinkdb binary on the PATH or at RETHINKDB_BIN; the RethinkDB tests are skipped";

  private static Endpoint endpoint;
  private static String skipReason;
  private static Vertx admin;

  /** Where the tests' server listens. */
  public record Endpoint(String host, int port, String origin) {
  }

  private RethinkDbTesting() {
  }

  /** Skips the calling test when no server can be had. */
  public static void assumeServer() {
    Assumptions.assumeTrue(server().isPresent(), RethinkDbTesting::skipReason);
  }

  /** The server, started on first use when it comes from a local binary. */
  public static synchronized Optional<Endpoint> server() {
    if (endpoint != null || skipReason != null) {
      return Optional.ofNullable(endpoint);
    }
    String host = System.getenv("RETHINKDB_HOST");
    if (host != null && !host.isBlank()) {
      String port = System.getenv("RETHINKDB_PORT");
      endpoint = new Endpoint(host, port == null || port.isBlank() ? 28015 : Integer.parseInt(port), "RETHINKDB_HOST");
      return Optional.of(endpoint);
    }
    Optional<Path> binary = RethinkDbServerProcess.findBinary();
    if (binary.isEmpty()) {
      skipReason = NO_SERVER;
      return Optional.empty();
    }
    try {
      RethinkDbServerProcess process = RethinkDbServerProcess.start(binary.get());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          process.close();
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      }, "rethinkdb-test-server-stop"));
      endpoint = new Endpoint(process.host(), process.driverPort(), binary.get().toString());
    } catch (IOException e) {
      skipReason = "could not start " + binary.get() + ": " + e.getMessage();
    }
    return Optional.ofNullable(endpoint);
  }

  /** What the tests will do, without starting anything: the server they use, or why they skip. */
  public static String plan() {
    String host = System.getenv("RETHINKDB_HOST");
    if (host != null && !host.isBlank()) {
      String port = System.getenv("RETHINKDB_PORT");
      return "run against " + host + ":" + (port == null || port.isBlank() ? "28015" : port) + " (RETHINKDB_HOST)";
    }
    return RethinkDbServerProcess.findBinary()
        .map(binary -> "run against a server started from " + binary + " on a free loopback port")
        .orElse("SKIPPED: " + NO_SERVER);
  }

  /** Why the RethinkDB tests are skipped, or null when they run. */
  public static synchronized String skipReason() {
    server();
    return skipReason;
  }

  /** Options for a fresh database on the tests' server, with quick reconnects so outage tests stay short. */
  public static RethinkDbOptions freshOptions() {
    Endpoint server = server().orElseThrow(() -> new IllegalStateException(skipReason));
    RethinkDbOptions options = new RethinkDbOptions();
    options.host = server.host();
    options.port = server.port();
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
    options.heartbeatIntervalMillis = 200;
    options.nodeExpiryMillis = 2_000;
    return options;
  }

  /** The same server and database, reached through {@code 127.0.0.1:port} (a proxy). */
  public static RethinkDbOptions through(RethinkDbOptions options, int port) {
    RethinkDbOptions copy = copy(options);
    copy.host = "127.0.0.1";
    copy.port = port;
    return copy;
  }

  public static RethinkDbOptions copy(RethinkDbOptions options) {
    return io.vertx.core.json.JsonObject.mapFrom(options).mapTo(RethinkDbOptions.class);
  }

  /** Runs one query on a connection of its own and waits for the result (for test setup and checks, never on an event loop). */
  public static Object query(RethinkDbOptions options, ReqlTerm query) throws Exception {
    Vertx vertx = admin();
    Future<Object> result = ReqlConnection.connect(vertx, options.endpoint())
        .compose(connection -> connection.run(query, 60_000).eventually(connection::close));
    return result.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  /** Drops the test's database (nothing when it does not exist, or the options are null). */
  public static void dropDatabase(RethinkDbOptions options) throws Exception {
    if (options == null || server().isEmpty()) {
      return;
    }
    try {
      query(options, Reql.dbDrop(options.database));
    } catch (Exception e) {
      if (!String.valueOf(e.getMessage()).contains("does not exist")) {
        throw e;
      }
    }
  }

  private static synchronized Vertx admin() {
    if (admin == null) {
      admin = Vertx.vertx();
    }
    return admin;
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  public static Throwable failureOf(Future<?> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(60, TimeUnit.SECONDS);
  }
}
