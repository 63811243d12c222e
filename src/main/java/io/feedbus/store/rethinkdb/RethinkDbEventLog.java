package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.feedbus.store.PartialAppendException;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlConnection;
import io.feedbus.store.rethinkdb.wire.ReqlError;
import io.feedbus.store.rethinkdb.wire.ReqlStream;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The RethinkDB engine: events are documents of one table, primary key {@code id} =
 * {@code [topic key, cursor]} (a topic's history is one range of the primary index, see
 * {@link RethinkDbDocuments}), plus the index {@code cursor} for the timeline; every node reads every event
 * ({@link #sharedAcrossNodes()} is true). It speaks RethinkDB's wire protocol through Vert.x
 * ({@code wire.ReqlConnection}): no thread of its own, nothing blocks an event loop.
 *
 * <p><b>Order across nodes.</b> Cursors come from each node's clock, so node B can commit an event
 * after node A's event with a greater cursor was read. Each node therefore publishes its commit
 * frontier ({@link NodeFrontiers}); change streams and history reads stop at the lowest frontier
 * of all live nodes, below which nothing can commit any more. Live delivery is in cursor order on
 * every node and a reader resuming after its last cursor misses nothing.
 *
 * <p><b>Writes.</b> A batch is one insert (several when it exceeds {@code maxInsertBytes}) with
 * {@code durability} as configured and {@code conflict: error}, guarded by this node's writer
 * document so a node the others fenced cannot commit behind them. When an insert reports errors or
 * its connection breaks, the engine reads back which events are stored and fails the batch with
 * {@link PartialAppendException}: exactly the stored events are acknowledged.
 *
 * <p><b>Outages: fail fast, never drop silently.</b> While the server cannot be reached every
 * query fails at once with {@code store_unavailable} (503) and the query connection is re-opened
 * with backoff; change streams wait and resume where they stopped.
 */
public final class RethinkDbEventLog implements EventLog {

  static final String ENGINE = "rethinkdb";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RethinkDbEventLog.class);
  /** How long a transient event may wait for slow readers before it is removed anyway. */
  private static final long TRANSIENT_MAX_WAIT_MILLIS = 30_000;

  private final Vertx vertx;
  private final RethinkDbOptions options;
  private final String nodeId;
  private final QueryConnection queries;
  private final CursorClock clock;
  private final NodeFrontiers frontiers;
  private final List<RethinkDbChangeStream> streams = new CopyOnWriteArrayList<>();
  private LocalCommits local;
  /** Transient events delivered here, waiting for every reading node to pass them. */
  private final TreeMap<String, PendingDelete> transientPending = new TreeMap<>();

  private record PendingDelete(String topic, long since, io.vertx.core.Promise<Void> removed) {
  }
  private long reaper = -1;
  private volatile boolean closed;

  private RethinkDbEventLog(Vertx vertx, RethinkDbOptions options, String nodeId, java.util.function.LongSupplier wallClock) {
    this.vertx = vertx;
    this.options = options;
    this.nodeId = nodeId;
    this.queries = new QueryConnection(vertx, options);
    this.clock = new CursorClock(nodeId, wallClock);
    this.frontiers = new NodeFrontiers(vertx, options, queries, clock, nodeId, this::readPosition);
  }

  /**
   * Connects, creates the schema when missing (see {@link RethinkDbSchema}), joins the writers and
   * returns the engine. Fails with {@code store_unavailable} when the server cannot be reached.
   */
  public static Future<RethinkDbEventLog> open(Vertx vertx, RethinkDbOptions options, String nodeId) {
    return open(vertx, options, nodeId, System::currentTimeMillis);
  }

  /** As {@link #open(Vertx, RethinkDbOptions, String)} with the node's wall clock given (tests set it wrong on purpose). */
  static Future<RethinkDbEventLog> open(Vertx vertx, RethinkDbOptions options, String nodeId, java.util.function.LongSupplier wallClock) {
    RethinkDbEventLog log = new RethinkDbEventLog(vertx, options, nodeId, wallClock);
    return RethinkDbSchema.bootstrap(vertx, log.queries, options)
        .recover(t -> Future.failedFuture(RethinkDbErrors.toFeedbus("schema bootstrap on RethinkDB at " + options.address(), t)))
        .compose(v -> log.frontiers.start())
        .map(v -> {
          log.local = new LocalCommits(log.frontiers.stableBound());
          log.reaper = vertx.setPeriodic(options.heartbeatIntervalMillis, t -> log.reapTransient());
          log.frontiers.listen(log::reapTransient);
          return log;
        })
        .recover(failure -> log.close().transform(ignored -> Future.failedFuture(failure)));
  }

  public RethinkDbOptions options() {
    return options;
  }

  public String nodeId() {
    return nodeId;
  }

  @Override
  public CursorClock clock() {
    return clock;
  }

  @Override
  public int maxAppendsInFlight() {
    // Inserts of one connection run in parallel on the server; the frontier keeps readers in order.
    return options.writesInFlight;
  }

  @Override
  public Future<Void> append(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    if (closed) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB event log is closed", null));
    }
    clock.hold(events);
    // Encoding a large batch is real work: not on the caller's event loop.
    return vertx.executeBlocking(() -> encodeInserts(events), false)
        .compose(inserts -> {
          List<Future<Object>> writes = new ArrayList<>(inserts.size());
          for (Buffer insert : inserts) {
            writes.add(queries.run("append", insert));
          }
          return Future.join(writes);
        })
        .transform(ar -> outcome(events, ar.succeeded() ? ar.result().list() : null, ar.cause()))
        .andThen(ar -> {
          // What is stored is recorded, and announced as committed, before the frontier may pass it.
          if (ar.succeeded()) {
            local.stored(events);
          } else if (ar.cause() instanceof PartialAppendException) {
            PartialAppendException partial = (PartialAppendException) ar.cause();
            local.stored(events.stream().filter(partial::stored).collect(java.util.stream.Collectors.toList()));
          } else if (ar.cause() instanceof FeedbusException && ((FeedbusException) ar.cause()).status() == 503) {
            local.uncertain(events);
          }
          frontiers.committed(events.stream().map(Event::cursor).max(Cursor::compareTo).orElseThrow());
          clock.settle(events);
          if (streams.isEmpty()) {
            // Nobody reads: a stream that starts later starts at the stable bound, above all of this.
            local.passed(frontiers.stableBound());
          }
        });
  }

  private List<Buffer> encodeInserts(List<Event> events) {
    List<Buffer> inserts = new ArrayList<>();
    List<JsonObject> chunk = new ArrayList<>();
    long bytes = 0;
    for (Event event : events) {
      JsonObject document = RethinkDbDocuments.toDocument(event);
      long size = document.getString(RethinkDbDocuments.JSON_FIELD).length() * 2L + 200;
      if (!chunk.isEmpty() && bytes + size > options.maxInsertBytes) {
        inserts.add(insertOf(chunk));
        chunk = new ArrayList<>();
        bytes = 0;
      }
      chunk.add(document);
      bytes += size;
    }
    inserts.add(insertOf(chunk));
    return inserts;
  }

  private Buffer insertOf(List<JsonObject> documents) {
    ReqlTerm insert = events().insert(Reql.arrayOfFlatObjects(documents))
        .opt("durability", options.durability.name())
        .opt("conflict", "error");
    return ReqlConnection.encode(frontiers.guard(insert));
  }

  /** Success when every insert stored everything; otherwise reads back what is stored. */
  private Future<Void> outcome(List<Event> events, List<Object> summaries, Throwable failure) {
    FeedbusException problem = null;
    if (summaries != null) {
      for (Object summary : summaries) {
        JsonObject s = summary instanceof JsonObject ? (JsonObject) summary : new JsonObject();
        if (RethinkDbErrors.number(s.getValue("errors")) > 0) {
          String firstError = String.valueOf(s.getValue("first_error"));
          // conflict: error refuses a document whose id exists: its cursor is taken, nothing is overwritten.
          String code = firstError.startsWith("Duplicate primary key") ? FeedbusException.CURSOR_TAKEN : "store_write_failed";
          problem = new FeedbusException(500, code, "RethinkDB rejected "
              + RethinkDbErrors.number(s.getValue("errors")) + " of " + events.size() + " events: " + firstError);
        }
      }
      if (problem == null) {
        return Future.succeededFuture();
      }
    } else {
      Throwable cause = failure instanceof FeedbusException && failure.getCause() != null ? failure.getCause() : failure;
      if (cause instanceof ReqlError && RethinkDbErrors.messageOf(cause).contains(RethinkDbErrors.FENCED)) {
        frontiers.fenced();
        return Future.failedFuture(FeedbusException.storeUnavailable(
            "this node is joining the RethinkDB writers again after a pause; retry", cause));
      }
      problem = failure instanceof FeedbusException ? (FeedbusException) failure
          : RethinkDbErrors.toFeedbus("append", failure);
    }
    // Some inserts (or documents) may have been stored: find out which, so exactly those are
    // acknowledged. A document counts only with our text: a cursor taken already holds another event.
    FeedbusException reported = problem;
    Map<String, String> texts = new HashMap<>();
    List<Object> keys = new ArrayList<>(events.size());
    for (Event event : events) {
      texts.put(event.id(), event.encode());
      keys.add(RethinkDbDocuments.key(event.topic(), event.id()));
    }
    ReqlTerm check = events().getAll(keys.toArray())
        .map(row -> Reql.array(row.g("cursor"), row.g(RethinkDbDocuments.JSON_FIELD).defaultTo(null))).coerceTo("array");
    return queries.run("append check", check).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(FeedbusException.storeUnavailable(reported.getMessage()
            + " (whether the events were stored is unknown: retrying may store them twice)", reported));
      }
      Set<String> stored = new HashSet<>();
      for (Object pair : (JsonArray) ar.result()) {
        String id = ((JsonArray) pair).getString(0);
        if (texts.get(id) != null && texts.get(id).equals(((JsonArray) pair).getValue(1))) {
          stored.add(id);
        }
      }
      if (stored.size() == events.size()) {
        return Future.succeededFuture();
      }
      if (!stored.isEmpty()) {
        LOG.warn("append stored {} of {} events: {}", stored.size(), events.size(), reported.getMessage());
      }
      return Future.failedFuture(stored.isEmpty() ? reported : new PartialAppendException(reported, stored));
    });
  }

  @Override
  public Future<List<Event>> readAfter(String topic, Cursor after, int limit) {
    return list("readAfter", topicRange(topic, after, "open", frontiers.stableBound(), "open").limit(limit).map(RethinkDbDocuments::readable));
  }

  /**
   * One query, streamed: up to {@code limit} events in cursor order, cut where the next would pass
   * {@code maxBytes}, and the query stopped there. {@code full} is exact: one event more than the
   * limit is asked for, and its presence (or the cut) says that more follow.
   */
  @Override
  public Future<Page> readPage(String topic, Cursor after, int limit, long maxBytes) {
    ReqlTerm query = topicRange(topic, after, "open", frontiers.stableBound(), "open")
        .limit((int) Math.min(Integer.MAX_VALUE, limit + 1L)).map(RethinkDbDocuments::keyedReadable);
    return boundedRead("readPage", query, limit, maxBytes);
  }

  /**
   * As {@link #readPage}, newest first on the primary index below the newer of
   * {@code before} and the stable bound; the page is handed back oldest first.
   */
  @Override
  public Future<Page> readBefore(String topic, Cursor before, int limit, long maxBytes) {
    Cursor bound = frontiers.stableBound();
    Cursor upper = before != null && before.compareTo(bound) < 0 ? before : bound;
    String key = RethinkDbDocuments.topicKey(topic);
    ReqlTerm newestFirst = events()
        .between(Reql.array(key, Reql.minval()), Reql.array(key, upper.value()))
        .opt("right_bound", "open")
        .orderBy().opt("index", Reql.desc("id"))
        .limit((int) Math.min(Integer.MAX_VALUE, limit + 1L))
        .map(RethinkDbDocuments::keyedReadable);
    return boundedRead("readBefore", newestFirst, limit, maxBytes).map(page -> {
      List<Event> oldestFirst = new ArrayList<>(page.events());
      java.util.Collections.reverse(oldestFirst);
      return new Page(oldestFirst, page.full());
    });
  }

  /**
   * Streams {@code query} (up to {@code limit + 1} {@link RethinkDbDocuments#keyedReadable} rows)
   * batch by batch, keeping events until {@code limit} or until the next would pass {@code maxBytes}
   * (the first is always kept),
   * then stops the query on the server. So no more than the bound plus one batch (RethinkDB's
   * {@code max_batch_bytes}, 1 MB by default) is ever held, in one round trip for a page of usual
   * events; reading the rows' sizes first and then the rows that fit took two, and the server
   * read every row twice.
   */
  private Future<Page> boundedRead(String operation, ReqlTerm query, int limit, long maxBytes) {
    return queries.connection().compose(connection -> {
      io.vertx.core.Promise<Page> page = io.vertx.core.Promise.promise();
      List<Event> events = new ArrayList<>(Math.min(limit, 1024));
      long[] bytes = {0};
      int[] rows = {0};
      boolean[] more = {false};
      ReqlStream stream = connection.stream(query);
      stream.handler(batch -> {
        for (Object element : batch) {
          if (more[0]) {
            return;
          }
          rows[0]++;
          Object readable = element instanceof JsonArray keyed ? keyed.getValue(2) : null;
          long size = readable instanceof String text ? text.length() : String.valueOf(readable).length();
          if (rows[0] > limit || (!events.isEmpty() && bytes[0] + size > maxBytes)) {
            more[0] = true;
            stream.pause(); // no CONTINUE for this batch: the STOP follows
            stream.close();
            return;
          }
          bytes[0] += size;
          try {
            events.add(RethinkDbDocuments.toKeyedEvent(element));
          } catch (RuntimeException e) {
            // A foreign document in the table must not wedge every reader on it.
            LOG.warn("skipping a document that is not a feedbus event: {} ({})", element, e.getMessage());
          }
        }
      });
      long timer = options.queryTimeoutMillis <= 0 ? -1 : vertx.setTimer(options.queryTimeoutMillis, t -> {
        if (page.tryFail(FeedbusException.storeUnavailable(operation + ": no answer from RethinkDB at " + options.address()
            + " within " + options.queryTimeoutMillis + " ms", null))) {
          // As for any query: a server that stopped answering must not hold later ones.
          connection.close();
        }
      });
      stream.done().onComplete(ar -> {
        if (timer >= 0) {
          vertx.cancelTimer(timer);
        }
        if (ar.failed() && !more[0]) {
          page.tryFail(ar.cause());
        } else {
          page.tryComplete(new Page(events, more[0]));
        }
      });
      stream.start();
      return page.future();
    }).recover(e -> Future.failedFuture(e instanceof FeedbusException ? e : RethinkDbErrors.toFeedbus(operation, e)));
  }

  /** The topic's events between two cursors (null lower: from its first), in cursor order: a range of the primary index. */
  private ReqlTerm topicRange(String topic, Cursor lower, String leftBound, Cursor upper, String rightBound) {
    String key = RethinkDbDocuments.topicKey(topic);
    return events()
        .between(Reql.array(key, lower == null ? Reql.minval() : lower.value()), Reql.array(key, upper.value()))
        .opt("left_bound", leftBound)
        .opt("right_bound", rightBound)
        .orderBy().opt("index", "id");
  }

  /** Every topic's events from {@code lower} (null: the first) up to {@code upper} (open), in cursor order: on the {@code cursor} index. */
  ReqlTerm timelineRange(Cursor lower, String leftBound, Cursor upper) {
    return events()
        .between(lower == null ? Reql.minval() : lower.value(), upper.value())
        .opt("index", RethinkDbDocuments.CURSOR_INDEX)
        .opt("left_bound", leftBound)
        .opt("right_bound", "open")
        .orderBy().opt("index", RethinkDbDocuments.CURSOR_INDEX);
  }

  @Override
  public Future<List<Event>> readAllAfter(Cursor after, int limit) {
    Cursor bound = frontiers.stableBound();
    return list("readAllAfter", timelineRange(after, "open", bound).limit(limit).map(RethinkDbDocuments::readable));
  }

  @Override
  public Future<Cursor> latest() {
    return queries.run("latest", RethinkDbDocuments.newestCursor(events()))
        .map(ids -> ((JsonArray) ids).isEmpty() ? null : Cursor.parse(((JsonArray) ids).getString(0)));
  }

  @Override
  public Future<ChangeStream> changes(Cursor from, ChangeListener listener) {
    if (closed) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB event log is closed", null));
    }
    RethinkDbChangeStream stream = new RethinkDbChangeStream(this, frontiers, vertx.getOrCreateContext(), listener);
    streams.add(stream);
    return stream.start(from);
  }

  /**
   * Removes events, transient ones once every node that reads has read past them (each node's
   * readers announce how far they got), or after {@value #TRANSIENT_MAX_WAIT_MILLIS} ms at the
   * latest; completes once they are removed.
   */
  @Override
  public Future<Void> delete(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    long now = System.currentTimeMillis();
    List<Future<Void>> removed = new ArrayList<>();
    synchronized (transientPending) {
      for (Event event : events) {
        PendingDelete pending = new PendingDelete(event.topic(), now, io.vertx.core.Promise.promise());
        PendingDelete previous = transientPending.putIfAbsent(event.id(), pending);
        removed.add((previous == null ? pending : previous).removed().future());
      }
    }
    reapTransient();
    return Future.all(removed).mapEmpty();
  }

  private Future<Void> reapTransient() {
    synchronized (transientPending) {
      if (transientPending.isEmpty()) {
        return Future.succeededFuture();
      }
    }
    return frontiers.minDelivered().compose(min -> {
      long tooOld = System.currentTimeMillis() - TRANSIENT_MAX_WAIT_MILLIS;
      List<Object> ids = new ArrayList<>();
      List<io.vertx.core.Promise<Void>> waiting = new ArrayList<>();
      synchronized (transientPending) {
        transientPending.entrySet().removeIf(entry -> {
          boolean passed = min == null || entry.getKey().compareTo(min.value()) < 0;
          if (passed || closed || entry.getValue().since() < tooOld) {
            ids.add(RethinkDbDocuments.key(entry.getValue().topic(), entry.getKey()));
            waiting.add(entry.getValue().removed());
            return true;
          }
          return false;
        });
      }
      if (ids.isEmpty()) {
        return Future.succeededFuture();
      }
      return queries.run("delete", events().getAll(ids.toArray()).delete().opt("durability", options.durability.name()))
          .onSuccess(v -> waiting.forEach(io.vertx.core.Promise::tryComplete))
          .onFailure(e -> {
            LOG.warn("could not remove {} transient events: {}", ids.size(), e.getMessage());
            waiting.forEach(p -> p.tryFail(e));
          })
          .mapEmpty();
    });
  }

  @Override
  public Future<Long> purge(String topic) {
    String key = RethinkDbDocuments.topicKey(topic);
    ReqlTerm query = events()
        .between(Reql.array(key, Reql.minval()), Reql.array(key, Reql.maxval()))
        .delete()
        .opt("durability", options.durability.name());
    return queries.run("purge", query).map(result -> RethinkDbErrors.number(((JsonObject) result).getValue("deleted")));
  }

  @Override
  public Future<Long> trim(long olderThanTs) {
    // Right bound open: every cursor of an earlier millisecond sorts before "<ts>-".
    ReqlTerm query = events()
        .between(Reql.minval(), Cursor.beforeTimestamp(olderThanTs).value())
        .opt("index", RethinkDbDocuments.CURSOR_INDEX)
        .delete()
        .opt("durability", options.durability.name());
    return queries.run("trim", query).map(result -> RethinkDbErrors.number(((JsonObject) result).getValue("deleted")));
  }

  @Override
  public boolean sharedAcrossNodes() {
    return true;
  }

  /**
   * Node {@code nodeId} left the cluster (its process is gone): its writers are fenced after a short
   * grace for writes already on their way, instead of after {@code nodeExpiryMillis} of silence.
   */
  public void nodeLeft(String nodeId) {
    frontiers.nodeLeft(nodeId);
  }

  /** How many times the change feed was found stalled (silent while written to) and reopened. */
  public long feedStalls() {
    return frontiers.stalls();
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    if (reaper >= 0) {
      vertx.cancelTimer(reaper);
    }
    List<Future<Void>> closing = new ArrayList<>();
    for (RethinkDbChangeStream stream : streams) {
      closing.add(stream.close());
    }
    streams.clear();
    return Future.join(closing)
        .eventually(this::reapTransient)
        .eventually(frontiers::close)
        .eventually(queries::close)
        .mapEmpty();
  }

  // ------------------------------------------------------------------ shared with streams

  ReqlTerm events() {
    return Reql.db(options.database).table(options.eventsTable);
  }

  QueryConnection queries() {
    return queries;
  }

  NodeFrontiers frontiers() {
    return frontiers;
  }

  void forget(RethinkDbChangeStream stream) {
    streams.remove(stream);
    readersPassed();
  }

  LocalCommits local() {
    return local;
  }

  /** A reader moved on: what every reader is past is dropped from memory. */
  void readersPassed() {
    local.passed(streams.isEmpty() ? frontiers.stableBound() : readPosition());
  }

  /** The lowest read position of this node's change streams; null when none runs. */
  private Cursor readPosition() {
    Cursor min = null;
    for (RethinkDbChangeStream stream : streams) {
      Cursor bound = stream.readBound();
      if (bound != null && (min == null || bound.compareTo(min) < 0)) {
        min = bound;
      }
    }
    return min;
  }

  private Future<List<Event>> list(String operation, ReqlTerm query) {
    return queries.run(operation, query).map(RethinkDbEventLog::eventsOf);
  }

  static List<Event> eventsOf(Object elements) {
    JsonArray list = (JsonArray) elements;
    List<Event> events = new ArrayList<>(list.size());
    for (Object element : list) {
      try {
        events.add(RethinkDbDocuments.toEvent(element));
      } catch (RuntimeException e) {
        // A foreign document in the table must not wedge every reader on it.
        LOG.warn("skipping a document that is not a feedbus event: {} ({})", element, e.getMessage());
      }
    }
    return events;
  }
}
