package io.feedbus.store.rethinkdb;

import com.rethinkdb.gen.exc.ReqlAvailabilityError;
import com.rethinkdb.gen.exc.ReqlDriverError;
import com.rethinkdb.gen.exc.ReqlError;
import com.rethinkdb.gen.exc.ReqlOpFailedError;
import io.feedbus.event.FeedbusException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Sorts driver and server failures into what the engine does about them. */
final class RethinkDbErrors {

  private RethinkDbErrors() {
  }

  /** The cause behind the wrappers {@code CompletableFuture} adds. */
  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** Creating a database, table or index that is there already: success for an idempotent bootstrap. */
  static boolean isAlreadyExists(Throwable t) {
    Throwable cause = unwrap(t);
    return cause instanceof ReqlOpFailedError && messageContains(cause, "already exists");
  }

  /** Two tables with one name, left by racing {@code tableCreate} calls on a multi-server cluster. */
  static boolean isAmbiguousTable(Throwable t) {
    Throwable cause = unwrap(t);
    return cause instanceof ReqlError && messageContains(cause, "is ambiguous") && messageContains(cause, "multiple tables");
  }

  /**
   * The server cannot be reached or cannot serve the data right now (connection refused, closed or
   * broken, no primary replica, timeout): retrying later may work. Everything else is a bug or a
   * bad request and is reported as such.
   */
  static boolean isUnavailable(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof FeedbusException) {
      return ((FeedbusException) cause).status() == 503;
    }
    if (cause instanceof ReqlDriverError || cause instanceof ReqlAvailabilityError || cause instanceof IOException
        || cause instanceof TimeoutException || cause instanceof CancellationException) {
      return true;
    }
    if (cause instanceof ReqlError && messageContains(cause, "Connection is closed")) {
      return true;
    }
    // The driver's socket layer lets plain IO failures escape wrapped in runtime exceptions.
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof IOException || c instanceof ReqlDriverError) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** Any failure of {@code operation} as the {@link FeedbusException} callers see. */
  static FeedbusException toFeedbus(String operation, Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof FeedbusException) {
      return (FeedbusException) cause;
    }
    String message = operation + " failed: " + describe(cause);
    if (isUnavailable(cause)) {
      return FeedbusException.storeUnavailable(message, cause);
    }
    return new FeedbusException(500, "store_error", message, cause);
  }

  static String describe(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static boolean messageContains(Throwable t, String text) {
    return t.getMessage() != null && t.getMessage().contains(text);
  }
}
