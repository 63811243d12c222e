package io.feedbus.store.rethinkdb;

import com.rethinkdb.RethinkDB;
import com.rethinkdb.net.Connection;
import io.feedbus.event.FeedbusException;
import java.io.File;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/** Opens driver connections as the options say (address, account, database, TLS, timeout). */
final class RethinkDbConnector {

  private final RethinkDbOptions options;

  RethinkDbConnector(RethinkDbOptions options) {
    this.options = options;
  }

  RethinkDbOptions options() {
    return options;
  }

  String address() {
    return options.host + ":" + options.port;
  }

  Connection.Builder builder() {
    Connection.Builder builder = RethinkDB.r.connection()
        .hostname(options.host)
        .port(options.port)
        .user(options.user, options.password == null ? "" : options.password)
        .db(options.database)
        .timeout(options.connectTimeoutMillis)
        .unwrapLists(false);
    if (options.tls) {
      if (options.caCertFile != null && !options.caCertFile.isBlank()) {
        // The driver builds a trust store holding just this CA certificate.
        builder.certFile(new File(options.caCertFile));
      } else {
        try {
          builder.sslContext(SSLContext.getDefault());
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("no default TLS context in this JVM", e);
        }
      }
    }
    return builder;
  }

  /**
   * Connects without blocking the caller (the driver connects and handshakes on its own threads);
   * fails with {@code store_unavailable} when that takes longer than {@code connectTimeoutMillis}.
   * A connection that arrives after the timeout is closed.
   */
  CompletableFuture<Connection> connect() {
    CompletableFuture<Connection> attempt;
    try {
      attempt = builder().connectAsync();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(unavailable(e));
    }
    CompletableFuture<Connection> bounded = new CompletableFuture<>();
    attempt.whenComplete((connection, failure) -> {
      if (failure != null) {
        bounded.completeExceptionally(unavailable(failure));
      } else if (!bounded.complete(connection)) {
        connection.close(false);
      }
    });
    CompletableFuture.delayedExecutor(options.connectTimeoutMillis, TimeUnit.MILLISECONDS).execute(() ->
        bounded.completeExceptionally(FeedbusException.storeUnavailable(
            "no connection to RethinkDB at " + address() + " within " + options.connectTimeoutMillis + " ms", null)));
    return bounded;
  }

  FeedbusException unavailable(Throwable failure) {
    Throwable cause = RethinkDbErrors.unwrap(failure);
    if (cause instanceof FeedbusException) {
      return (FeedbusException) cause;
    }
    return FeedbusException.storeUnavailable("cannot connect to RethinkDB at " + address() + ": " + RethinkDbErrors.describe(cause), cause);
  }

  static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close(false);
      } catch (RuntimeException ignored) {
        // Closing a broken connection can fail; there is nothing left to release then.
      }
    }
  }
}
