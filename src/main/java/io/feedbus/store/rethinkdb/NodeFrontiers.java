package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.StoreStatus;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlConnection;
import io.feedbus.store.rethinkdb.wire.ReqlStream;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every writer's commit frontier, shared through the {@code nodes} table, and the <em>stable
 * bound</em> they give: the lowest frontier of all live writers. Every event below it is stored and
 * no event can be stored below it any more, so readers deliver up to it in cursor order and resume
 * after their last cursor without missing what another node committed late.
 *
 * <p>Each running engine is a writer with a document {@code {id, nodeId, frontier, delivered, beat,
 * reason}} (a new id at every join). It writes its frontier after its commits while other writers
 * are live, when another writer's commit moved past it (reason {@code reply}, so idle nodes do not
 * hold the others back), and every {@code heartbeatIntervalMillis}. It reads everyone's through one
 * change feed on that table, on a connection of its own.
 *
 * <p>A writer silent for {@code nodeExpiryMillis} (measured only while this node's own feed is
 * healthy) is <em>fenced</em>: its document is deleted if its beat did not move. Its inserts check
 * that their writer's document exists, so a writer that was only paused cannot commit behind the
 * others afterwards; it joins again under a new id. A feed that stops showing this writer's own
 * heartbeats is stalled: it is reported (status, log, metric) and reopened.
 *
 * <p>Joining moves the clock past every writer's frontier and the newest stored event, so cursors
 * never go back across restarts, clock steps or nodes. All state is confined to one context.
 */
final class NodeFrontiers {

  private static final Logger LOG = LoggerFactory.getLogger(NodeFrontiers.class);

  /** What readers of the frontiers are told. */
  interface Listener {
    /** The stable bound may have moved. */
    void advanced();

    /** The feed of frontiers connected, dropped or came back. */
    default void status(StoreStatus.State state, String detail) {
    }
  }

  private static final class Peer {
    String nodeId;
    Cursor frontier;
    Cursor delivered;
    Cursor committed;
    long beat;
    long heardNanos;
  }

  /**
   * What readers need, taken together: the lowest frontier among the other writers (null: none),
   * and the highest cursor any other writer (live or gone) may have committed (null: none). A range
   * below the stable bound that starts after {@code foreignCommitted} holds only this node's events.
   */
  record View(Cursor floor, Cursor foreignCommitted) {
  }

  private final Vertx vertx;
  private final RethinkDbOptions options;
  private final QueryConnection queries;
  private final CursorClock clock;
  private final String nodeId;
  private final Context context;
  private final Backoff backoff;
  private final Supplier<Cursor> delivered;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Peer> peers = new HashMap<>();
  private final Promise<Void> started = Promise.promise();

  private volatile String writerId;
  /** The id a join is registering, before the insert is acknowledged (its document may show first). */
  private String joiningId;
  /** The other writers as readers see them, replaced whole on every change (for readers on other threads). */
  private volatile View view = new View(null, null);
  /** The highest cursor other writers that are gone may have committed. */
  private Cursor departedCommitted;
  /** The highest cursor this writer may have stored (a write with an unknown outcome counts). */
  private volatile Cursor ownCommitted;
  private volatile boolean healthy;
  private volatile long stalls;
  private boolean joining;
  private Cursor announced;
  private long beat;
  private long beatWrittenNanos;
  private long ownBeatSeen = -1;
  private long awaitedBeat = -1;
  private long awaitedSinceNanos;
  private boolean writing;
  private String writeAgain;
  private long lastWriteNanos;

  private ReqlConnection feedConnection;
  private ReqlStream feed;
  private boolean feedReady;
  private long feedReadyNanos;
  private boolean everReady;
  private int feedAttempt;
  private long timer = -1;
  private boolean closed;

  NodeFrontiers(Vertx vertx, RethinkDbOptions options, QueryConnection queries, CursorClock clock, String nodeId,
                Supplier<Cursor> delivered) {
    this.vertx = vertx;
    this.options = options;
    this.queries = queries;
    this.clock = clock;
    this.nodeId = nodeId;
    this.context = vertx.getOrCreateContext();
    this.backoff = new Backoff(options.reconnectInitialDelayMillis, options.reconnectMaxDelayMillis);
    this.delivered = delivered;
    clock.onSettle(() -> context.runOnContext(v -> committed()));
  }

  /** Opens the feed, joins, and completes once this writer's document is visible in its own feed. */
  Future<Void> start() {
    context.runOnContext(v -> {
      openFeed();
      timer = vertx.setPeriodic(Math.max(10, options.heartbeatIntervalMillis / 2), t -> tick());
    });
    return started.future();
  }

  void listen(Listener listener) {
    listeners.add(listener);
  }

  void unlisten(Listener listener) {
    listeners.remove(listener);
  }

  /**
   * The stable bound (exclusive): every event below it is stored, none can be stored below it any
   * more. Safe to call from any thread.
   */
  Cursor stableBound() {
    return stableBound(view);
  }

  /** The other writers as of now: take it once, then {@link #stableBound(View)} with it. */
  View view() {
    return view;
  }

  Cursor stableBound(View seen) {
    Cursor own = clock.frontier();
    Cursor floor = seen.floor();
    return floor != null && floor.compareTo(own) < 0 ? floor : own;
  }

  /** This writer may have stored events up to {@code cursor}: call before their cursors are settled. */
  synchronized void committed(Cursor cursor) {
    if (ownCommitted == null || cursor.compareTo(ownCommitted) > 0) {
      ownCommitted = cursor;
    }
  }

  /** The lowest read position of every live writer that reads (null: nobody reads); transient events below it may go. */
  Future<Cursor> minDelivered() {
    return Future.future(p -> context.runOnContext(v -> {
      Cursor min = delivered.get();
      for (Peer peer : peers.values()) {
        if (peer.delivered != null && (min == null || peer.delivered.compareTo(min) < 0)) {
          min = peer.delivered;
        }
      }
      p.complete(min);
    }));
  }

  /** The term an insert runs under: it fails with {@link RethinkDbErrors#FENCED} when this writer was fenced. */
  ReqlTerm guard(ReqlTerm write) {
    String id = writerId;
    return Reql.branch(nodes().get(id == null ? "" : id).ne(null), write, Reql.error(RethinkDbErrors.FENCED));
  }

  /** True while the feed of frontiers is connected and shows this writer's heartbeats. */
  boolean healthy() {
    return healthy;
  }

  /** How many times the feed was found stalled and reopened. */
  long stalls() {
    return stalls;
  }

  /** This writer was fenced (an insert said so): join again under a new id. */
  void fenced() {
    context.runOnContext(v -> {
      if (!closed && !joining) {
        LOG.warn("this node's writer {} was fenced by the others (it was silent too long); joining again", writerId);
        writerId = null;
        join();
      }
    });
  }

  /** Stops the feed and removes this writer's document, so the others stop waiting for it at once. */
  Future<Void> close() {
    return Future.<Void>future(p -> context.runOnContext(v -> {
      closed = true;
      healthy = false;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      String id = writerId;
      writerId = null;
      Future<Object> leave = id == null ? Future.succeededFuture()
          : queries.run("leave", nodes().get(id).delete().opt("durability", "soft"));
      leave.onComplete(ar -> {
        if (ar.failed()) {
          LOG.debug("could not remove this node's writer document: {}", ar.cause().getMessage());
        }
        closeFeed().onComplete(x -> p.complete());
      });
      started.tryFail(FeedbusException.storeUnavailable("the RethinkDB engine was closed while starting", null));
    }));
  }

  // ------------------------------------------------------------------ the feed

  private ReqlTerm nodes() {
    return Reql.db(options.database).table(options.nodesTable);
  }

  private void openFeed() {
    if (closed) {
      return;
    }
    feedReady = false;
    ReqlConnection.connect(vertx, options.endpoint()).onComplete(ar -> {
      if (closed) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        feedFailed(ar.cause());
        return;
      }
      feedConnection = ar.result();
      peers.values().forEach(this::departed);
      peers.clear();
      ownBeatSeen = -1;
      feed = feedConnection.stream(nodes().changes().opt("include_initial", true).opt("include_states", true)
          .opt("include_types", true));
      ReqlStream mine = feed;
      feed.handler(this::onBatch);
      feed.done().onComplete(done -> {
        if (feed == mine && feed != null) {
          feedFailed(done.failed() ? done.cause() : new IllegalStateException("the feed of frontiers ended"));
        }
      });
      feed.start();
    });
  }

  private Future<Void> closeFeed() {
    ReqlStream s = feed;
    ReqlConnection c = feedConnection;
    feed = null;
    feedConnection = null;
    feedReady = false;
    Future<Void> stopped = s == null ? Future.succeededFuture() : s.close();
    return stopped.eventually(() -> c == null ? Future.succeededFuture() : c.close());
  }

  private void feedFailed(Throwable cause) {
    if (closed) {
      return;
    }
    String detail = RethinkDbErrors.messageOf(cause);
    if (!everReady && !started.future().isComplete()) {
      started.tryFail(FeedbusException.storeUnavailable("cannot follow the writers of RethinkDB at "
          + options.address() + ": " + detail, cause));
      return;
    }
    boolean wasHealthy = healthy || feedReady;
    healthy = false;
    closeFeed();
    if (wasHealthy) {
      LOG.warn("lost the change feed of RethinkDB at {}: {}; reconnecting", options.address(), detail);
      status(StoreStatus.State.DISCONNECTED, detail);
    }
    long delay = backoff.delay(feedAttempt++);
    vertx.setTimer(delay, t -> openFeed());
  }

  private void onBatch(JsonArray batch) {
    boolean changed = false;
    for (Object element : batch) {
      if (!(element instanceof JsonObject)) {
        continue;
      }
      JsonObject change = (JsonObject) element;
      String state = change.getString("state");
      if (state != null) {
        if ("ready".equals(state)) {
          feedBecameReady();
          changed = true;
        }
        continue;
      }
      JsonObject newVal = change.getJsonObject("new_val");
      JsonObject oldVal = change.getJsonObject("old_val");
      if (newVal != null) {
        changed |= seen(newVal);
      } else if (oldVal != null) {
        changed |= removed(oldVal.getString("id"));
      }
    }
    // Until the initial documents are all in, the old floor stands: a partial set could be too high.
    if (changed && feedReady) {
      recomputeFloor();
    }
  }

  private void feedBecameReady() {
    feedReady = true;
    feedReadyNanos = System.nanoTime();
    feedAttempt = 0;
    recomputeFloor();
    if (writerId == null) {
      join();
    } else {
      // Back after an outage: our document may be gone (fenced meanwhile); the beat tells.
      awaitBeat();
      announce("heartbeat");
    }
  }

  private boolean seen(JsonObject doc) {
    String id = doc.getString("id");
    long docBeat = RethinkDbErrors.number(doc.getValue("beat"));
    if (id.equals(writerId) || id.equals(joiningId)) {
      ownBeatSeen = Math.max(ownBeatSeen, docBeat);
      if (awaitedBeat >= 0 && ownBeatSeen >= awaitedBeat) {
        awaitedBeat = -1;
        becameHealthy();
      }
      return false;
    }
    Peer peer = peers.computeIfAbsent(id, k -> new Peer());
    peer.nodeId = doc.getString("nodeId");
    peer.frontier = parseOrNull(doc.getString("frontier"));
    peer.delivered = parseOrNull(doc.getString("delivered"));
    peer.committed = parseOrNull(doc.getString("committed"));
    peer.beat = docBeat;
    peer.heardNanos = System.nanoTime();
    // Another writer's commit moved past our announced frontier: say ours, or its readers wait for our heartbeat.
    if (peer.frontier != null && "commit".equals(doc.getString("reason")) && writerId != null
        && (announced == null || peer.frontier.compareTo(announced) > 0)) {
      clock.observe(peer.frontier);
      announce("reply");
    }
    return true;
  }

  private boolean removed(String id) {
    if (id != null && id.equals(writerId)) {
      if (!joining && !closed) {
        LOG.warn("this node's writer {} was fenced by the others; joining again", id);
        writerId = null;
        healthy = false;
        join();
      }
      return false;
    }
    Peer gone = peers.remove(id);
    if (gone != null) {
      departed(gone);
    }
    return gone != null;
  }

  /** A writer left (or was fenced): what it committed still counts until every reader is past it. */
  private void departed(Peer gone) {
    if (gone.committed != null && (departedCommitted == null || gone.committed.compareTo(departedCommitted) > 0)) {
      departedCommitted = gone.committed;
    }
  }

  private void becameHealthy() {
    if (healthy) {
      return;
    }
    healthy = true;
    if (!everReady) {
      everReady = true;
      LOG.info("following {} other writer(s) on RethinkDB at {}", peers.size(), options.address());
      started.tryComplete();
      status(StoreStatus.State.CONNECTED, null);
    } else {
      LOG.info("change feed of RethinkDB at {} is back", options.address());
      status(StoreStatus.State.RECONNECTED, null);
    }
    fire();
  }

  // ------------------------------------------------------------------ this writer

  /** Moves the clock past every frontier and the newest event, then registers under a new id. */
  private void join() {
    if (joining || closed) {
      return;
    }
    joining = true;
    for (Peer peer : peers.values()) {
      clock.observe(peer.frontier);
    }
    ReqlTerm newest = Reql.db(options.database).table(options.eventsTable)
        .orderBy().opt("index", Reql.desc("id")).limit(1).g("id").coerceTo("array");
    String id = UUID.randomUUID().toString();
    Cursor[] frontier = new Cursor[1];
    queries.run("join", newest).compose(found -> {
      JsonArray ids = (JsonArray) found;
      if (!ids.isEmpty()) {
        clock.observe(Cursor.parse(ids.getString(0)));
      }
      beat = 0;
      ownBeatSeen = -1;
      joiningId = id;
      JsonObject doc = document(id, "join");
      frontier[0] = Cursor.parseBound(doc.getString("frontier"));
      return queries.run("join", nodes().insert(doc).opt("durability", "soft"));
    }).onComplete(ar -> {
      joining = false;
      joiningId = null;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("could not join the writers on RethinkDB at {}: {}", options.address(), ar.cause().getMessage());
        vertx.setTimer(backoff.delay(feedAttempt++), t -> {
          if (writerId == null) {
            join();
          }
        });
        return;
      }
      writerId = id;
      announced = frontier[0];
      beatWrittenNanos = System.nanoTime();
      lastWriteNanos = beatWrittenNanos;
      awaitBeat();
    });
  }

  private JsonObject document(String id, String reason) {
    // Frontier first: every write below it settled before, so committed, read after, covers it.
    Cursor frontier = clock.frontier();
    Cursor committed = ownCommitted;
    Cursor reading = delivered.get();
    return new JsonObject()
        .put("id", id)
        .put("nodeId", nodeId)
        .put("frontier", frontier.value())
        .put("delivered", reading == null ? null : reading.value())
        .put("committed", committed == null ? null : committed.value())
        .put("beat", beat)
        .put("reason", reason);
  }

  /** Expects this writer's current beat to show in the feed within the stall timeout. */
  private void awaitBeat() {
    awaitedBeat = beat;
    awaitedSinceNanos = System.nanoTime();
    if (ownBeatSeen >= beat && writerId != null) {
      awaitedBeat = -1;
      becameHealthy();
    }
  }

  /** Writes this writer's frontier; one write at a time, the latest reason wins a queued one. */
  private void announce(String reason) {
    if (writerId == null || joining || closed) {
      return;
    }
    if (writing) {
      writeAgain = "commit".equals(reason) || "commit".equals(writeAgain) ? "commit" : reason;
      return;
    }
    writing = true;
    beat++;
    String id = writerId;
    JsonObject doc = document(id, reason);
    Cursor frontier = Cursor.parseBound(doc.getString("frontier"));
    doc.remove("id");
    lastWriteNanos = System.nanoTime();
    queries.run("heartbeat", nodes().get(id).update(doc).opt("durability", "soft")).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        JsonObject summary = (JsonObject) ar.result();
        if (RethinkDbErrors.number(summary.getValue("skipped")) > 0 && id.equals(writerId)) {
          removed(id);
          return;
        }
        if (announced == null || frontier.compareTo(announced) > 0) {
          announced = frontier;
        }
        beatWrittenNanos = System.nanoTime();
        if (awaitedBeat < 0 && feedReady) {
          awaitedBeat = beat;
          awaitedSinceNanos = beatWrittenNanos;
        }
      }
      String again = writeAgain;
      writeAgain = null;
      if (again != null) {
        announce(again);
      }
    });
  }

  /** A write of this node settled: tell the local readers, and the other writers when there are any. */
  private void committed() {
    fire();
    if (!peers.isEmpty()) {
      announce("commit");
    }
  }

  private void tick() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (writerId != null && !joining && millisSince(lastWriteNanos, now) >= options.heartbeatIntervalMillis) {
      announce("heartbeat");
    }
    long stallMillis = Math.max(2_000, 3 * options.heartbeatIntervalMillis);
    if (feedReady && awaitedBeat >= 0 && millisSince(awaitedSinceNanos, now) > stallMillis) {
      stalls++;
      String detail = StoreStatus.STALLED + "the change feed showed none of this node's heartbeats for " + millisSince(awaitedSinceNanos, now) + " ms";
      awaitedBeat = -1;
      feedFailed(new IllegalStateException(detail));
      return;
    }
    if (healthy && millisSince(feedReadyNanos, now) > options.nodeExpiryMillis) {
      for (Map.Entry<String, Peer> entry : peers.entrySet()) {
        if (millisSince(entry.getValue().heardNanos, now) > options.nodeExpiryMillis) {
          fence(entry.getKey(), entry.getValue());
        }
      }
    }
    fire();
  }

  /** Deletes a silent writer's document unless it wrote meanwhile; its later inserts then fail. */
  private void fence(String id, Peer peer) {
    long seenBeat = peer.beat;
    peer.heardNanos = System.nanoTime(); // one attempt per expiry period
    ReqlTerm deleteIfSilent = nodes().get(id).replace(row -> Reql.branch(
        row.eq(null).or(row.g("beat").ne(seenBeat)), row, null)).opt("durability", "hard");
    queries.run("fence", deleteIfSilent).onSuccess(result -> {
      if (RethinkDbErrors.number(((JsonObject) result).getValue("deleted")) > 0) {
        LOG.warn("writer {} of node {} was silent for over {} ms: fenced; delivery no longer waits for it",
            id, peer.nodeId, options.nodeExpiryMillis);
        Peer gone = peers.remove(id);
        if (gone != null) {
          departed(gone);
          recomputeFloor();
        }
      }
    });
  }

  // ------------------------------------------------------------------ helpers

  private void recomputeFloor() {
    Cursor floor = null;
    Cursor foreign = departedCommitted;
    for (Peer peer : peers.values()) {
      Cursor f = peer.frontier == null ? Cursor.origin() : peer.frontier;
      if (floor == null || f.compareTo(floor) < 0) {
        floor = f;
      }
      if (peer.committed != null && (foreign == null || peer.committed.compareTo(foreign) > 0)) {
        foreign = peer.committed;
      }
    }
    view = new View(floor, foreign);
    fire();
  }

  private void fire() {
    for (Listener listener : listeners) {
      try {
        listener.advanced();
      } catch (RuntimeException e) {
        LOG.error("frontier listener failed", e);
      }
    }
  }

  private void status(StoreStatus.State state, String detail) {
    for (Listener listener : listeners) {
      try {
        listener.status(state, detail);
      } catch (RuntimeException e) {
        LOG.error("frontier listener failed on status {}", state, e);
      }
    }
  }

  private static long millisSince(long startNanos, long nowNanos) {
    return (nowNanos - startNanos) / 1_000_000;
  }

  private static Cursor parseOrNull(String value) {
    return value == null ? null : Cursor.parseBound(value);
  }
}
