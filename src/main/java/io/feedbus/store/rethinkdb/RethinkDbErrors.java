package io.feedbus.store.rethinkdb;

import io.feedbus.event.FeedbusException;
import io.feedbus.store.rethinkdb.wire.ReqlError;

/** Sorts client and server failures into what the engine does about them. */
final class RethinkDbErrors {

  /** The message of the error a fenced node's insert raises (see {@link NodeFrontiers}). */
  static final String FENCED = "feedbus: this writer was fenced";

  private RethinkDbErrors() {
  }

  /** Creating a database, table or index that is there already: success for an idempotent bootstrap. */
  static boolean isAlreadyExists(Throwable t) {
    return t instanceof ReqlError && ((ReqlError) t).alreadyExists();
  }

  /** Two tables with one name, left by racing {@code tableCreate} calls on a multi-server cluster. */
  static boolean isAmbiguousTable(Throwable t) {
    String message = messageOf(t);
    return message.contains("is ambiguous") && message.contains("multiple tables");
  }

  /** The table or index does not exist (yet): a node racing ahead of another's bootstrap. */
  static boolean isMissing(Throwable t) {
    return t instanceof ReqlError && ((ReqlError) t).errorType() == ReqlError.OP_FAILED
        && messageOf(t).contains("does not exist");
  }

  /**
   * The server cannot be reached or cannot serve the data right now (connection refused, closed or
   * broken, no primary replica, unknown outcome, time-out): retrying later may work. Everything else
   * is a bug or a bad request and is reported as such.
   */
  static boolean isUnavailable(Throwable t) {
    if (t instanceof FeedbusException) {
      return ((FeedbusException) t).status() == 503;
    }
    return t instanceof ReqlError && ((ReqlError) t).retryable();
  }

  /**
   * As {@link #toFeedbus}, but a {@link FeedbusException} too is told as a failure of {@code operation}
   * (its status and code kept): for a summary that must reach the caller whatever the last failure was.
   */
  static FeedbusException failureOf(String operation, Throwable t) {
    if (t instanceof FeedbusException e) {
      return new FeedbusException(e.status(), e.code(), operation + " failed: " + e.getMessage(), e);
    }
    return toFeedbus(operation, t);
  }

  /** Any failure of {@code operation} as the {@link FeedbusException} callers see. */
  static FeedbusException toFeedbus(String operation, Throwable t) {
    if (t instanceof FeedbusException) {
      return (FeedbusException) t;
    }
    String message = operation + " failed: " + messageOf(t);
    if (isUnavailable(t)) {
      return FeedbusException.storeUnavailable(message, t);
    }
    return new FeedbusException(500, "store_error", message, t);
  }

  static String messageOf(Throwable t) {
    return t == null || t.getMessage() == null ? String.valueOf(t) : t.getMessage();
  }

  /** A count from a write summary ({@code inserted}, {@code errors}, ...); absent is 0. */
  static long number(Object value) {
    return value instanceof Number ? ((Number) value).longValue() : 0L;
  }
}
