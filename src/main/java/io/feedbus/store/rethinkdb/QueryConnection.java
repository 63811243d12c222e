package io.feedbus.store.rethinkdb;

import io.feedbus.event.FeedbusException;
import io.feedbus.store.rethinkdb.wire.ReqlConnection;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * The connection a node's queries share (the server runs the queries of one connection in
 * parallel). Reconnects lazily: a query that finds it closed makes one connection attempt; when that
 * fails, queries fail fast with {@code store_unavailable} until the backoff delay has passed, so
 * callers never queue up behind an unreachable server.
 */
final class QueryConnection {

  private final Vertx vertx;
  private final RethinkDbOptions options;
  private final Backoff backoff;
  private ReqlConnection current;
  private Future<ReqlConnection> connecting;
  private long retryAtNanos;
  private int failures;
  private String lastError = "";
  private boolean closed;

  QueryConnection(Vertx vertx, RethinkDbOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.backoff = new Backoff(options.reconnectInitialDelayMillis, options.reconnectMaxDelayMillis);
  }

  /** Runs a query; completes on the caller's context with its result or a {@link FeedbusException}. */
  Future<Object> run(String operation, ReqlTerm query) {
    return connection().compose(c -> c.run(query)).recover(e -> Future.failedFuture(RethinkDbErrors.toFeedbus(operation, e)));
  }

  /** Runs an encoded query (large writes are encoded off the event loop). */
  Future<Object> run(String operation, Buffer encodedQuery) {
    return connection().compose(c -> c.run(encodedQuery, options.queryTimeoutMillis))
        .recover(e -> Future.failedFuture(RethinkDbErrors.toFeedbus(operation, e)));
  }

  /** The open connection, a connection attempt, or a fast failure while the server is unreachable. */
  synchronized Future<ReqlConnection> connection() {
    if (closed) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB engine is closed", null));
    }
    if (current != null && current.isOpen()) {
      return Future.succeededFuture(current);
    }
    current = null;
    if (connecting != null) {
      return connecting;
    }
    long waitNanos = retryAtNanos - System.nanoTime();
    if (failures > 0 && waitNanos > 0) {
      return Future.failedFuture(FeedbusException.storeUnavailable("RethinkDB at " + options.address() + " is unreachable ("
          + lastError + "); next attempt in " + (waitNanos / 1_000_000) + " ms", null));
    }
    Future<ReqlConnection> attempt = ReqlConnection.connect(vertx, options.endpoint());
    connecting = attempt;
    attempt.onComplete(ar -> connected(ar.result(), ar.cause()));
    return attempt;
  }

  private synchronized void connected(ReqlConnection connection, Throwable failure) {
    connecting = null;
    if (failure != null) {
      lastError = failure.getMessage();
      retryAtNanos = System.nanoTime() + backoff.delay(failures) * 1_000_000;
      failures++;
      return;
    }
    if (closed) {
      connection.close();
      return;
    }
    failures = 0;
    current = connection;
  }

  /** Closes the connection; later queries fail with {@code store_unavailable}. */
  Future<Void> close() {
    ReqlConnection toClose;
    synchronized (this) {
      closed = true;
      toClose = current;
      current = null;
    }
    return toClose == null ? Future.succeededFuture() : toClose.close();
  }
}
