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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>Each running engine is a writer with a document {@code {id, nodeId, frontier, committed,
 * delivered, beat, reason, welcomes}} (a new id at every join). It writes it after its commits while
 * other writers are live, when another writer's commit moved past its frontier (reason {@code reply},
 * so an idle node does not hold the others back), and every {@code heartbeatIntervalMillis}. It reads
 * everyone's through one change feed on that table, on a connection of its own.
 *
 * <p><b>Joining.</b> A writer moves its clock past every frontier it sees and the newest stored
 * event, inserts its document (reason {@code join}), and waits until every live writer has answered
 * by writing its own document with a {@code welcomes} entry for it. A writer that has seen the
 * joiner never reads past the joiner's frontier any more, and its frontier in the answer is above
 * all it read before; the joiner moves its clock past that too, and only then takes writes. So a
 * new node never commits below what another node already delivered, whatever the clocks say.
 *
 * <p><b>Fencing.</b> A writer silent for {@code nodeExpiryMillis} (measured only while this node's
 * own feed shows its own writes) is fenced: its document is deleted if its beat did not move. Its
 * inserts check that their writer's document exists, so a writer that was only paused cannot
 * commit behind the others; it joins again under a new id. A feed that stops showing this writer's
 * own heartbeats is stalled: it is reported (status, log, metric) and reopened. All state is
 * confined to one context.
 */
final class NodeFrontiers {

  private static final Logger LOG = LoggerFactory.getLogger(NodeFrontiers.class);
  /** How many joiners a writer's document lists as welcomed (the newest). */
  private static final int WELCOMES_KEPT = 16;

  /** What readers of the frontiers are told. */
  interface Listener {
    /** The stable bound may have moved. */
    void advanced();

    /** The feed of frontiers connected, dropped or came back. */
    default void status(StoreStatus.State state, String detail) {
    }
  }

  /**
   * What readers need, taken together: the lowest frontier among the other writers (null: none),
   * and the highest cursor any other writer (live or gone) may have committed (null: none). A range
   * below the stable bound that starts after {@code foreignCommitted} holds only this node's events.
   */
  record View(Cursor floor, Cursor foreignCommitted) {
  }

  private static final class Peer {
    String nodeId;
    Cursor frontier;
    Cursor delivered;
    Cursor committed;
    Set<String> welcomes = Set.of();
    long beat;
    long heardNanos;
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
  private final LinkedHashSet<String> welcomed = new LinkedHashSet<>();
  private final Promise<Void> started = Promise.promise();

  /** Our document's id once inserted; null before and after being fenced. */
  private volatile String docId;
  /** True once every live writer welcomed us: our inserts may go (they name {@link #docId}). */
  private volatile boolean open;
  /** The other writers as readers see them, replaced whole on every change (for readers on other threads). */
  private volatile View view = new View(null, null);
  /** The highest cursor this writer may have stored (a write with an unknown outcome counts). */
  private volatile Cursor ownCommitted;
  private volatile boolean healthy;
  private volatile long stalls;
  /** The highest cursor other writers that are gone may have committed. */
  private Cursor departedCommitted;
  private boolean joining;
  private String joiningId;
  private Set<String> awaitingWelcome;
  private Cursor announced;
  private long beat;
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

  /** Opens the feed and joins; completes once this writer is welcomed and sees its own writes. */
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

  /** The term an insert runs under: it fails with {@link RethinkDbErrors#FENCED} unless this writer is open and not fenced. */
  ReqlTerm guard(ReqlTerm write) {
    String id = open ? docId : null;
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

  /** How long after a node left the cluster its writers are fenced: writes it sent may still land meanwhile. */
  static final long NODE_LEFT_GRACE_MILLIS = 1_000;

  /** The cluster says node {@code leftNodeId} is gone: fence its writers after {@link #NODE_LEFT_GRACE_MILLIS}. */
  void nodeLeft(String leftNodeId) {
    context.runOnContext(v -> vertx.setTimer(NODE_LEFT_GRACE_MILLIS, t -> {
      for (Map.Entry<String, Peer> entry : new ArrayList<>(peers.entrySet())) {
        if (leftNodeId.equals(entry.getValue().nodeId)) {
          LOG.info("node {} left the cluster: fencing its writer {}", leftNodeId, entry.getKey());
          fence(entry.getKey(), entry.getValue(), false);
        }
      }
    }));
  }

  /** An insert said this writer was fenced: join again under a new id. */
  void fenced() {
    context.runOnContext(v -> lost(docId));
  }

  /** Stops the feed and removes this writer's document, so the others stop waiting for it at once. */
  Future<Void> close() {
    return Future.<Void>future(p -> context.runOnContext(v -> {
      closed = true;
      healthy = false;
      open = false;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      String id = docId != null ? docId : joiningId;
      docId = null;
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
      // Until the new feed's documents are in, what the gone peers may have committed still counts.
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
    vertx.setTimer(backoff.delay(feedAttempt++), t -> openFeed());
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
    if (awaitingWelcome != null) {
      checkWelcomes();
    }
  }

  private void feedBecameReady() {
    feedReady = true;
    feedReadyNanos = System.nanoTime();
    feedAttempt = 0;
    recomputeFloor();
    if (docId == null && !joining) {
      join();
    } else if (docId != null) {
      // Back after an outage: our document may be gone (fenced meanwhile); the beat tells.
      awaitBeat();
      announce("heartbeat");
    }
  }

  private boolean seen(JsonObject doc) {
    String id = doc.getString("id");
    long docBeat = RethinkDbErrors.number(doc.getValue("beat"));
    if (id.equals(docId) || id.equals(joiningId)) {
      ownBeatSeen = Math.max(ownBeatSeen, docBeat);
      if (awaitedBeat >= 0 && ownBeatSeen >= awaitedBeat) {
        awaitedBeat = -1;
        becameHealthy();
      }
      return false;
    }
    boolean isNew = !peers.containsKey(id);
    Peer peer = peers.computeIfAbsent(id, k -> new Peer());
    peer.nodeId = doc.getString("nodeId");
    peer.frontier = parseOrNull(doc.getString("frontier"));
    peer.delivered = parseOrNull(doc.getString("delivered"));
    peer.committed = parseOrNull(doc.getString("committed"));
    JsonArray welcomes = doc.getJsonArray("welcomes");
    peer.welcomes = welcomes == null ? Set.of() : new HashSet<>(welcomes.getList());
    peer.beat = docBeat;
    peer.heardNanos = System.nanoTime();
    String reason = doc.getString("reason");
    if (isNew && "join".equals(reason) && docId != null) {
      // A writer is joining: from now on we read no further than its frontier; say so with our own.
      welcomed.add(id);
      while (welcomed.size() > WELCOMES_KEPT) {
        welcomed.remove(welcomed.iterator().next());
      }
      announce("welcome");
    } else if (open && peer.frontier != null && "commit".equals(reason)
        && (announced == null || peer.frontier.compareTo(announced) > 0)) {
      // Another writer's commit moved past our frontier: say ours, or its readers wait for our heartbeat.
      clock.observe(peer.frontier);
      announce("reply");
    }
    return true;
  }

  private boolean removed(String id) {
    if (id != null && id.equals(docId)) {
      lost(id);
      return false;
    }
    Peer gone = peers.remove(id);
    if (gone != null) {
      departed(gone);
    }
    return gone != null;
  }

  /** Our document is gone (the others fenced us): join again under a new id. */
  private void lost(String id) {
    if (closed || id == null || !id.equals(docId)) {
      return;
    }
    LOG.warn("this node's writer {} was fenced by the others (it was silent too long); joining again", id);
    docId = null;
    open = false;
    healthy = false;
    join();
  }

  /** A writer left (or was fenced): what it committed still counts until every reader is past it. */
  private void departed(Peer gone) {
    if (gone.committed != null && (departedCommitted == null || gone.committed.compareTo(departedCommitted) > 0)) {
      departedCommitted = gone.committed;
    }
  }

  private void becameHealthy() {
    if (healthy || !open) {
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
    open = false;
    for (Peer peer : peers.values()) {
      clock.observe(peer.frontier);
    }
    ReqlTerm newest = RethinkDbDocuments.newestCursor(Reql.db(options.database).table(options.eventsTable));
    String id = UUID.randomUUID().toString();
    queries.run("join", newest).compose(found -> {
      JsonArray ids = (JsonArray) found;
      if (!ids.isEmpty()) {
        clock.observe(Cursor.parse(ids.getString(0)));
      }
      beat = 0;
      ownBeatSeen = -1;
      joiningId = id;
      return queries.run("join", nodes().insert(document(id, "join")).opt("durability", "soft"));
    }).onComplete(ar -> {
      joiningId = null;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        joining = false;
        LOG.warn("could not join the writers on RethinkDB at {}: {}", options.address(), ar.cause().getMessage());
        vertx.setTimer(backoff.delay(feedAttempt++), t -> {
          if (docId == null) {
            join();
          }
        });
        return;
      }
      docId = id;
      lastWriteNanos = System.nanoTime();
      // Every writer live now must welcome us; one that is fenced or leaves meanwhile no longer counts.
      awaitingWelcome = new HashSet<>(peers.keySet());
      checkWelcomes();
    });
  }

  /** Moves the clock past each welcoming writer's frontier; opens once nobody is left to answer. */
  private void checkWelcomes() {
    if (awaitingWelcome == null || docId == null) {
      return;
    }
    awaitingWelcome.removeIf(peerId -> {
      Peer peer = peers.get(peerId);
      if (peer == null) {
        return true;
      }
      if (peer.welcomes.contains(docId)) {
        clock.observe(peer.frontier);
        return true;
      }
      return false;
    });
    if (awaitingWelcome.isEmpty()) {
      awaitingWelcome = null;
      joining = false;
      open = true;
      announce("joined");
      awaitBeat();
    }
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
        .put("committed", committed == null ? null : committed.value())
        .put("delivered", reading == null ? null : reading.value())
        .put("beat", beat)
        // While joining the reason stays "join": a writer that sees us first in a later write still answers.
        .put("reason", open ? reason : "join")
        .put("welcomes", new JsonArray(new ArrayList<>(welcomed)));
  }

  /** Expects this writer's current beat to show in the feed within the stall timeout. */
  private void awaitBeat() {
    awaitedBeat = beat;
    awaitedSinceNanos = System.nanoTime();
    if (ownBeatSeen >= beat && docId != null) {
      awaitedBeat = -1;
      becameHealthy();
    }
  }

  /** Writes this writer's document; one write at a time, a queued commit reason wins. */
  private void announce(String reason) {
    if (docId == null || closed) {
      return;
    }
    if (writing) {
      writeAgain = "commit".equals(reason) || "commit".equals(writeAgain) ? "commit" : reason;
      return;
    }
    writing = true;
    beat++;
    String id = docId;
    JsonObject doc = document(id, reason);
    Cursor frontier = Cursor.parseBound(doc.getString("frontier"));
    doc.remove("id");
    lastWriteNanos = System.nanoTime();
    queries.run("heartbeat", nodes().get(id).update(doc).opt("durability", "soft")).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        JsonObject summary = (JsonObject) ar.result();
        if (RethinkDbErrors.number(summary.getValue("skipped")) > 0) {
          lost(id);
          return;
        }
        if (announced == null || frontier.compareTo(announced) > 0) {
          announced = frontier;
        }
        if (awaitedBeat < 0 && feedReady) {
          awaitedBeat = beat;
          awaitedSinceNanos = System.nanoTime();
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
    if (open && !peers.isEmpty()) {
      announce("commit");
    }
  }

  private void tick() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (docId != null && millisSince(lastWriteNanos, now) >= options.heartbeatIntervalMillis) {
      announce("heartbeat");
    }
    long stallMillis = Math.max(2_000, 3 * options.heartbeatIntervalMillis);
    if (feedReady && awaitedBeat >= 0 && millisSince(awaitedSinceNanos, now) > stallMillis) {
      stalls++;
      String detail = StoreStatus.STALLED + "the change feed showed none of this node's heartbeats for "
          + millisSince(awaitedSinceNanos, now) + " ms";
      awaitedBeat = -1;
      feedFailed(new IllegalStateException(detail));
      return;
    }
    // Silence counts only while our own feed shows our own writes: otherwise it may be ours.
    boolean feedTrusted = feedReady && docId != null && ownBeatSeen >= 0;
    if (feedTrusted && millisSince(feedReadyNanos, now) > options.nodeExpiryMillis) {
      for (Map.Entry<String, Peer> entry : new ArrayList<>(peers.entrySet())) {
        if (millisSince(entry.getValue().heardNanos, now) > options.nodeExpiryMillis) {
          fence(entry.getKey(), entry.getValue(), true);
        }
      }
    }
    fire();
  }

  /**
   * Deletes a writer's document (when {@code onlyIfSilent}, unless it wrote meanwhile); its later
   * inserts then fail.
   */
  private void fence(String id, Peer peer, boolean onlyIfSilent) {
    long seenBeat = peer.beat;
    peer.heardNanos = System.nanoTime(); // one attempt per expiry period
    ReqlTerm delete = onlyIfSilent
        ? nodes().get(id).replace(row -> Reql.branch(row.eq(null).or(row.g("beat").ne(seenBeat)), row, null))
        : nodes().get(id).delete();
    queries.run("fence", delete.opt("durability", "hard")).onSuccess(result -> {
      if (RethinkDbErrors.number(((JsonObject) result).getValue("deleted")) > 0) {
        LOG.warn("writer {} of node {} fenced ({}); delivery no longer waits for it", id, peer.nodeId,
            onlyIfSilent ? "silent for over " + options.nodeExpiryMillis + " ms" : "the node left the cluster");
        if (removed(id)) {
          recomputeFloor();
          checkWelcomes();
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
