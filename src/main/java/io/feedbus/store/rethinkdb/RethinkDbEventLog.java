package io.feedbus.store.rethinkdb;

import static com.rethinkdb.RethinkDB.r;

import com.rethinkdb.ast.ReqlAst;
import com.rethinkdb.gen.ast.Table;
import com.rethinkdb.net.Connection;
import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The RethinkDB engine: events are documents of one table, primary key {@code id} = the cursor,
 * plus a compound index {@code [topic, cursor]} for replay; every node reads every event through
 * one table changefeed ({@link #sharedAcrossNodes()} is true).
 *
 * <p>Threads: queries are sent from a small dedicated executor (the driver writes to the socket on
 * the caller's thread) and their results are handed back on the caller's Vert.x context; each
 * change stream reads its feed on its own thread. No event-loop thread ever waits on the server.
 *
 * <p><b>Outage policy: fail fast, never drop silently.</b> When the server cannot be reached,
 * {@link #append} (and every other query) fails with {@code FeedbusException} status 503, code
 * {@code store_unavailable}: the publisher learns at once that its event is not durable and may
 * retry. The query connection is re-opened lazily by the next query, at most once per backoff
 * delay ({@code reconnectInitialDelayMillis} doubling up to {@code reconnectMaxDelayMillis}); in
 * between, queries fail immediately instead of queueing. A write whose connection breaks while in
 * flight fails the same way, although the server may have applied it (its outcome is unknown).
 *
 * <p>Change streams survive outages on their own: they report {@code disconnected}, reconnect
 * with backoff, report {@code reconnected}, and resume from their last delivered cursor without
 * gaps or duplicates (see {@link RethinkDbChangeStream}). Cursors are assigned by each node's clock,
 * so the resumed read starts {@code resumeLookbackMillis} earlier and drops ids already delivered:
 * an event of another node that committed after a newer-cursor event is still delivered once,
 * provided the nodes' clocks and commit delays differ by less than that window.
 */
public final class RethinkDbEventLog implements EventLog {

  static final String ENGINE = "rethinkdb";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RethinkDbEventLog.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Vertx vertx;
  private final RethinkDbOptions options;
  private final String nodeId;
  private final RethinkDbConnector connector;
  private final QueryConnection queries;
  private final ExecutorService io;
  private final List<RethinkDbChangeStream> streams = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private RethinkDbEventLog(Vertx vertx, RethinkDbOptions options, String nodeId) {
    this.vertx = vertx;
    this.options = options;
    this.nodeId = nodeId;
    this.connector = new RethinkDbConnector(options);
    this.queries = new QueryConnection(connector);
    int instance = INSTANCES.incrementAndGet();
    this.io = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "feedbus-rethinkdb-io-" + instance);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Connects, creates the schema when missing (see {@link RethinkDbSchema}) and returns the engine.
   * Fails with {@code store_unavailable} when the server cannot be reached.
   */
  public static Future<RethinkDbEventLog> open(Vertx vertx, RethinkDbOptions options, String nodeId) {
    RethinkDbEventLog log = new RethinkDbEventLog(vertx, options, nodeId);
    return log.withConnection("schema bootstrap",
            connection -> new RethinkDbSchema(connection, options, log.io).bootstrap())
        .map(v -> log)
        .recover(failure -> log.close().transform(ignored -> Future.failedFuture(failure)));
  }

  public RethinkDbOptions options() {
    return options;
  }

  public String nodeId() {
    return nodeId;
  }

  @Override
  public Future<Void> append(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Map<String, Object>> documents = new ArrayList<>(events.size());
    for (Event event : events) {
      documents.add(RethinkDbDocuments.toDocument(event));
    }
    ReqlAst insert = events()
        .insert(documents)
        .optArg("durability", options.durability.name())
        .optArg("conflict", "error");
    return atom("append", insert).map(result -> {
      Map<?, ?> summary = (Map<?, ?>) result;
      long errors = RethinkDbFutures.number(summary.get("errors"));
      if (errors > 0) {
        throw new FeedbusException(500, "store_write_failed", "RethinkDB rejected " + errors + " of " + events.size()
            + " events: " + summary.get("first_error"));
      }
      return null;
    });
  }

  @Override
  public Future<List<Event>> readAfter(String topic, Cursor after, int limit) {
    return list("readAfter", readAfterQuery(topic, after, limit));
  }

  @Override
  public Future<List<Event>> readAllAfter(Cursor after, int limit) {
    return list("readAllAfter", readAllAfterQuery(after, limit));
  }

  @Override
  public Future<Cursor> latest() {
    return atom("latest", latestQuery()).map(RethinkDbEventLog::latestOf);
  }

  @Override
  public Future<ChangeStream> changes(Cursor from, ChangeListener listener) {
    if (closed) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB event log is closed", null));
    }
    RethinkDbChangeStream stream = new RethinkDbChangeStream(this, vertx.getOrCreateContext(), from, listener);
    streams.add(stream);
    return stream.start().onFailure(t -> streams.remove(stream)).map(s -> s);
  }

  @Override
  public Future<Void> delete(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    Object[] ids = events.stream().map(Event::id).toArray();
    return atom("delete", events().getAll(ids).delete().optArg("durability", options.durability.name())).mapEmpty();
  }

  @Override
  public Future<Long> purge(String topic) {
    ReqlAst query = events()
        .between(r.array(topic, r.minval()), r.array(topic, r.maxval()))
        .optArg("index", RethinkDbSchema.TOPIC_CURSOR_INDEX)
        .delete()
        .optArg("durability", options.durability.name());
    return atom("purge", query).map(result -> RethinkDbFutures.number(((Map<?, ?>) result).get("deleted")));
  }

  @Override
  public Future<Long> trim(long olderThanTs) {
    // Right bound open: every cursor of an earlier millisecond sorts before "<ts>-".
    ReqlAst query = events()
        .between(r.minval(), Cursor.beforeTimestamp(olderThanTs).value())
        .delete()
        .optArg("durability", options.durability.name());
    return atom("trim", query).map(result -> RethinkDbFutures.number(((Map<?, ?>) result).get("deleted")));
  }

  @Override
  public boolean sharedAcrossNodes() {
    return true;
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (RethinkDbChangeStream stream : streams) {
      closing.add(stream.close());
    }
    streams.clear();
    return Future.all(closing).transform(ignored -> vertx.<Void>executeBlocking(() -> {
      queries.close();
      io.shutdown();
      return null;
    }, false));
  }

  // ------------------------------------------------------------------ queries, shared with streams

  Table events() {
    return r.db(options.database).table(options.eventsTable);
  }

  ReqlAst readAfterQuery(String topic, Cursor after, int limit) {
    Object lower = after == null ? r.array(topic, r.minval()) : r.array(topic, after.value());
    return events()
        .between(lower, r.array(topic, r.maxval()))
        .optArg("index", RethinkDbSchema.TOPIC_CURSOR_INDEX)
        .optArg("left_bound", "open")
        .orderBy().optArg("index", RethinkDbSchema.TOPIC_CURSOR_INDEX)
        .limit(limit)
        .coerceTo("array");
  }

  ReqlAst readAllAfterQuery(Cursor after, int limit) {
    Object lower = after == null ? r.minval() : after.value();
    return events()
        .between(lower, r.maxval())
        .optArg("left_bound", "open")
        .orderBy().optArg("index", "id")
        .limit(limit)
        .coerceTo("array");
  }

  ReqlAst latestQuery() {
    // An array of zero or one id: no error to catch on an empty table.
    return events().orderBy().optArg("index", r.desc("id")).limit(1).g("id").coerceTo("array");
  }

  static Cursor latestOf(Object ids) {
    List<?> list = (List<?>) ids;
    return list.isEmpty() ? null : Cursor.parse(String.valueOf(list.get(0)));
  }

  static List<Event> eventsOf(Object documents) {
    List<?> list = (List<?>) documents;
    List<Event> events = new ArrayList<>(list.size());
    for (Object document : list) {
      try {
        events.add(RethinkDbDocuments.toEvent((Map<?, ?>) document));
      } catch (RuntimeException e) {
        // A foreign document in the table must not wedge every reader (and every change stream) on it.
        LOG.warn("skipping a document that is not a feedbus event: {} ({})", document, e.getMessage());
      }
    }
    return events;
  }

  RethinkDbConnector connector() {
    return connector;
  }

  boolean closed() {
    return closed;
  }

  void forget(RethinkDbChangeStream stream) {
    streams.remove(stream);
  }

  /** Runs an atom query on the shared connection; the result arrives on the caller's context. */
  private Future<Object> atom(String operation, ReqlAst query) {
    return withConnection(operation, connection -> query.runAtomAsync(connection, Object.class));
  }

  private Future<List<Event>> list(String operation, ReqlAst query) {
    return atom(operation, query).map(RethinkDbEventLog::eventsOf);
  }

  /** Runs an atom query on a given connection (a change stream's own); the result arrives on {@code context}. */
  Future<Object> atomOn(Connection connection, Context context, String operation, ReqlAst query) {
    return RethinkDbFutures.bridge(context, operation, submit(() -> query.runAtomAsync(connection, Object.class)));
  }

  private <T> Future<T> withConnection(String operation, Function<Connection, CompletableFuture<T>> call) {
    Context context = vertx.getOrCreateContext();
    if (closed && !"schema bootstrap".equals(operation)) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB event log is closed", null));
    }
    return RethinkDbFutures.bridge(context, operation, queries.get().thenCompose(connection -> submit(() -> call.apply(connection))));
  }

  /** Sends a query from the I/O thread, never from the caller's (possibly event-loop) thread. */
  private <T> CompletableFuture<T> submit(java.util.function.Supplier<CompletableFuture<T>> send) {
    try {
      return CompletableFuture.supplyAsync(send, io).thenCompose(f -> f);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(FeedbusException.storeUnavailable("the RethinkDB event log is closed", e));
    }
  }

}
