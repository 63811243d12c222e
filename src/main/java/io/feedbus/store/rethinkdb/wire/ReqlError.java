package io.feedbus.store.rethinkdb.wire;

import io.vertx.core.json.JsonArray;

/**
 * A failed query or connection: where it failed ({@link Kind}), RethinkDB's error type for runtime
 * errors ({@code OP_FAILED}, {@code NON_EXISTENCE}, ...; 0 otherwise) and the server's message.
 */
public final class ReqlError extends RuntimeException {

  /** Where the failure comes from. */
  public enum Kind {
    /** The connection: refused, closed, broken, timed out, or a protocol violation. */
    CONNECTION,
    /** The handshake refused the account or password. */
    AUTH,
    /** The server found the query malformed (a client bug). */
    CLIENT,
    /** The server could not compile the query. */
    COMPILE,
    /** The query failed while running. */
    RUNTIME
  }

  public static final int INTERNAL = 1_000_000;
  public static final int RESOURCE_LIMIT = 2_000_000;
  public static final int QUERY_LOGIC = 3_000_000;
  public static final int NON_EXISTENCE = 3_100_000;
  public static final int OP_FAILED = 4_100_000;
  public static final int OP_INDETERMINATE = 4_200_000;
  public static final int USER = 5_000_000;
  public static final int PERMISSION_ERROR = 6_000_000;

  private final Kind kind;
  private final int errorType;
  private final JsonArray backtrace;

  public ReqlError(Kind kind, int errorType, String message, JsonArray backtrace, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.errorType = errorType;
    this.backtrace = backtrace;
  }

  static ReqlError connection(String message, Throwable cause) {
    return new ReqlError(Kind.CONNECTION, 0, message, null, cause);
  }

  public Kind kind() {
    return kind;
  }

  public int errorType() {
    return errorType;
  }

  /** The frames of the term that failed, as the server reported them (may be null). */
  public JsonArray backtrace() {
    return backtrace;
  }

  /**
   * True when retrying later may work: the connection failed, or the server cannot reach the data
   * right now (no primary replica, an operation whose outcome is unknown).
   */
  public boolean retryable() {
    return kind == Kind.CONNECTION || errorType == OP_INDETERMINATE
        || (errorType == OP_FAILED && !alreadyExists());
  }

  /** Creating a database, table or index that exists already. */
  public boolean alreadyExists() {
    return errorType == OP_FAILED && String.valueOf(getMessage()).contains("already exists");
  }

  @Override
  public String toString() {
    return "ReqlError[" + kind + (errorType == 0 ? "" : "/" + errorType) + "]: " + getMessage();
  }
}
