package io.feedbus.store.rethinkdb;

import com.rethinkdb.net.Connection;
import io.feedbus.event.FeedbusException;
import java.util.concurrent.CompletableFuture;

/**
 * The connection shared by a node's queries (the driver multiplexes concurrent queries on one
 * connection). Reconnects lazily: a query that finds it closed makes one connection attempt; when
 * that fails, queries fail fast with {@code store_unavailable} until the backoff delay has passed,
 * so callers never queue up behind an unreachable server.
 */
final class QueryConnection {

  private final RethinkDbConnector connector;
  private final Backoff backoff;
  private Connection current;
  private CompletableFuture<Connection> connecting;
  private long retryAtNanos;
  private int failures;
  private String lastError = "";
  private boolean closed;

  QueryConnection(RethinkDbConnector connector) {
    this.connector = connector;
    RethinkDbOptions options = connector.options();
    this.backoff = new Backoff(options.reconnectInitialDelayMillis, options.reconnectMaxDelayMillis);
  }

  /** The open connection, a connection attempt, or a fast failure while the server is unreachable. */
  synchronized CompletableFuture<Connection> get() {
    if (closed) {
      return CompletableFuture.failedFuture(FeedbusException.storeUnavailable("the RethinkDB event log is closed", null));
    }
    if (current != null && current.isOpen()) {
      return CompletableFuture.completedFuture(current);
    }
    if (current != null) {
      RethinkDbConnector.closeQuietly(current);
      current = null;
    }
    if (connecting != null) {
      return connecting;
    }
    long waitNanos = retryAtNanos - System.nanoTime();
    if (failures > 0 && waitNanos > 0) {
      return CompletableFuture.failedFuture(FeedbusException.storeUnavailable(
          "RethinkDB at " + connector.address() + " is unreachable (" + lastError + "); next attempt in "
              + (waitNanos / 1_000_000) + " ms", null));
    }
    CompletableFuture<Connection> attempt = connector.connect().whenComplete(this::connected);
    // whenComplete may already have run (a fast refusal); then the attempt is over.
    if (!attempt.isDone()) {
      connecting = attempt;
    }
    return attempt;
  }

  private synchronized void connected(Connection connection, Throwable failure) {
    connecting = null;
    if (failure != null) {
      lastError = RethinkDbErrors.unwrap(failure).getMessage();
      retryAtNanos = System.nanoTime() + backoff.delay(failures) * 1_000_000;
      failures++;
      return;
    }
    if (closed) {
      RethinkDbConnector.closeQuietly(connection);
      return;
    }
    failures = 0;
    current = connection;
  }

  /** True while the last attempt failed and no connection is open. */
  synchronized boolean down() {
    return (current == null || !current.isOpen()) && failures > 0;
  }

  /** Closes the connection; later calls fail with {@code store_unavailable}. May block briefly: call off the event loop. */
  void close() {
    Connection toClose;
    synchronized (this) {
      closed = true;
      toClose = current;
      current = null;
    }
    RethinkDbConnector.closeQuietly(toClose);
  }
}
