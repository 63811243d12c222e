package io.feedbus.store.rethinkdb;

import static com.rethinkdb.RethinkDB.r;

import com.rethinkdb.ast.ReqlAst;
import com.rethinkdb.gen.ast.ReqlExpr;
import com.rethinkdb.gen.ast.ReqlFunction1;
import com.rethinkdb.gen.ast.ReqlFunction3;
import com.rethinkdb.gen.ast.Table;
import io.feedbus.event.FeedbusException;
import io.feedbus.presence.AdmissionSlot;
import io.feedbus.presence.ConnectionRecord;
import io.feedbus.store.ConnectionFilter;
import io.feedbus.store.ConnectionStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The connection registry on RethinkDB: the {@code connections} table (primary key = connectionId,
 * indexes {@code serverId} and {@code uid}) and the {@code admission} table of slots (primary key
 * {@code uid#index}). Creates what is missing on open (see {@link RethinkDbSchema}).
 *
 * <p>Atomicity comes from single-document operations only, which RethinkDB applies atomically:
 * <ul>
 *   <li>claiming a slot is an insert of {@code uid#i} whose conflict function keeps the existing
 *       document unless its lease lapsed, so of N racing claimers of one key exactly one sees
 *       {@code inserted} or {@code replaced}; trying i = 0 .. limit-1 in order bounds the live slots
 *       of a uid by the limit on any number of nodes;</li>
 *   <li>a release, an expiry and a conditional delete are {@code replace(row -> branch(cond, null, row))}
 *       on one document, re-checking the condition inside the write;</li>
 *   <li>an upsert is an insert whose conflict function keeps {@code connectedAt}.</li>
 * </ul>
 * Queries are sent from a dedicated thread and completed on the caller's Vert.x context.
 */
public final class RethinkDbConnectionStore implements ConnectionStore {

  private static final AtomicInteger INSTANCES = new AtomicInteger();
  /** How often a release re-reads when a concurrent release took the slot it chose. */
  private static final int RELEASE_ATTEMPTS = 8;

  private final Vertx vertx;
  private final RethinkDbOptions options;
  private final QueryConnection queries;
  private final ExecutorService io;
  private volatile boolean closed;

  private RethinkDbConnectionStore(Vertx vertx, RethinkDbOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.queries = new QueryConnection(new RethinkDbConnector(options));
    int instance = INSTANCES.incrementAndGet();
    this.io = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "feedbus-rethinkdb-connections-" + instance);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Connects, creates the tables and indexes when missing, and returns the store; fails with {@code store_unavailable}. */
  public static Future<RethinkDbConnectionStore> open(Vertx vertx, RethinkDbOptions options) {
    RethinkDbConnectionStore store = new RethinkDbConnectionStore(vertx, options);
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Void> bootstrap = store.queries.get()
        .thenCompose(connection -> CompletableFuture.supplyAsync(
            () -> new RethinkDbSchema(connection, options, store.io).bootstrap(), store.io).thenCompose(f -> f));
    return RethinkDbFutures.bridge(context, "connection store bootstrap", bootstrap)
        .map(v -> store)
        .recover(failure -> store.close().transform(ignored -> Future.failedFuture(failure)));
  }

  @Override
  public Future<ConnectionRecord> upsert(ConnectionRecord connection) {
    ReqlFunction3 keepConnectedAt = (id, old, incoming) -> incoming.merge(r.hashMap("connectedAt", old.g("connectedAt")));
    ReqlAst query = connections().insert(document(connection))
        .optArg("conflict", keepConnectedAt)
        .optArg("return_changes", "always")
        .optArg("durability", options.durability.name());
    return atom("upsert", () -> query).map(result -> {
      List<?> changes = (List<?>) ((Map<?, ?>) result).get("changes");
      if (changes == null || changes.isEmpty()) {
        throw new FeedbusException(500, "store_write_failed", "RethinkDB did not store the connection: " + ((Map<?, ?>) result).get("first_error"));
      }
      return record(((Map<?, ?>) changes.get(0)).get("new_val"));
    });
  }

  @Override
  public Future<Boolean> touch(String connectionId, long now) {
    ReqlAst query = connections().get(connectionId).update(r.hashMap("lastSeen", now)).optArg("durability", options.durability.name());
    return atom("heartbeat", () -> query).map(result -> RethinkDbFutures.number(((Map<?, ?>) result).get("skipped")) == 0);
  }

  @Override
  public Future<ConnectionRecord> remove(String connectionId) {
    ReqlAst query = connections().get(connectionId).delete().optArg("return_changes", true).optArg("durability", options.durability.name());
    return atom("remove", () -> query).map(result -> {
      List<?> changes = (List<?>) ((Map<?, ?>) result).get("changes");
      return changes == null || changes.isEmpty() ? null : record(((Map<?, ?>) changes.get(0)).get("old_val"));
    });
  }

  @Override
  public Future<ConnectionRecord> get(String connectionId) {
    return atom("get", () -> connections().get(connectionId)).map(doc -> doc == null ? null : record(doc));
  }

  @Override
  public Future<List<ConnectionRecord>> list(ConnectionFilter filter, int limit) {
    return atom("list", () -> selection(filter).orderBy("connectedAt", "id").limit(limit).coerceTo("array"))
        .map(docs -> {
          List<ConnectionRecord> found = new ArrayList<>();
          ((List<?>) docs).forEach(doc -> found.add(record(doc)));
          return found;
        });
  }

  @Override
  public Future<Long> count(ConnectionFilter filter) {
    return atom("count", () -> selection(filter).count()).map(RethinkDbFutures::number);
  }

  @Override
  public Future<Map<String, Long>> countByServer(long liveSince) {
    ReqlFunction1 live = row -> row.g("lastSeen").ge(liveSince);
    return atom("countByServer", () -> connections().filter(live).group("serverId").count().ungroup()).map(rows -> {
      Map<String, Long> counts = new java.util.TreeMap<>();
      for (Object row : (List<?>) rows) {
        Map<?, ?> group = (Map<?, ?>) row;
        counts.put(String.valueOf(group.get("group")), RethinkDbFutures.number(group.get("reduction")));
      }
      return counts;
    });
  }

  @Override
  public Future<List<ConnectionRecord>> expire(long liveSince) {
    ReqlFunction1 stale = row -> row.g("lastSeen").lt(liveSince);
    // The condition is checked again inside each document's write, so a heartbeat that lands
    // between the scan and the delete keeps its connection.
    ReqlFunction1 deleteIfStale = row -> r.branch(row.g("lastSeen").lt(liveSince), null, row);
    return atom("expire", () -> connections().filter(stale).replace(deleteIfStale)
            .optArg("return_changes", true).optArg("durability", options.durability.name()))
        .map(result -> {
          List<ConnectionRecord> removed = new ArrayList<>();
          List<?> changes = (List<?>) ((Map<?, ?>) result).get("changes");
          if (changes != null) {
            for (Object change : changes) {
              Map<?, ?> c = (Map<?, ?>) change;
              if (c.get("new_val") == null && c.get("old_val") != null) {
                removed.add(record(c.get("old_val")));
              }
            }
          }
          return removed;
        });
  }

  @Override
  public Future<Integer> claimSlot(AdmissionSlot slot, int limit, long now) {
    return claimFrom(slot, 0, limit, now);
  }

  private Future<Integer> claimFrom(AdmissionSlot slot, int index, int limit, long now) {
    if (index >= limit) {
      return Future.succeededFuture(-1);
    }
    AdmissionSlot candidate = slot.withIndex(index);
    ReqlFunction3 takeIfLapsed = (id, old, incoming) -> r.branch(old.g("expiresAt").lt(now), incoming, old);
    ReqlAst query = slots().insert(plain(candidate.toJson()))
        .optArg("conflict", takeIfLapsed)
        .optArg("durability", options.durability.name());
    return atom("acquire", () -> query).compose(result -> {
      Map<?, ?> summary = (Map<?, ?>) result;
      if (RethinkDbFutures.number(summary.get("inserted")) + RethinkDbFutures.number(summary.get("replaced")) == 1) {
        return Future.succeededFuture(index);
      }
      if (RethinkDbFutures.number(summary.get("errors")) > 0) {
        return Future.failedFuture(new FeedbusException(500, "store_write_failed", "RethinkDB refused the slot: " + summary.get("first_error")));
      }
      return claimFrom(slot, index + 1, limit, now);
    });
  }

  @Override
  public Future<Boolean> releaseSlot(String uid, String connectionId, long now) {
    return releaseAttempt(uid, connectionId, now, RELEASE_ATTEMPTS);
  }

  private Future<Boolean> releaseAttempt(String uid, String connectionId, long now, int attemptsLeft) {
    return slots(uid, now).compose(live -> {
      AdmissionSlot chosen = AdmissionSlot.pickForRelease(live, connectionId);
      if (chosen == null) {
        return Future.succeededFuture(false);
      }
      Object expected = plain(chosen.toJson());
      // Deletes the document only if it is still exactly the slot chosen (not re-claimed meanwhile).
      ReqlFunction1 deleteIfSame = row -> r.branch(row.eq(expected), null, row);
      ReqlAst query = slots().get(chosen.id()).replace(deleteIfSame).optArg("durability", options.durability.name());
      return atom("release", () -> query).compose(result -> {
        if (RethinkDbFutures.number(((Map<?, ?>) result).get("deleted")) == 1) {
          return Future.succeededFuture(true);
        }
        return attemptsLeft > 1 ? releaseAttempt(uid, connectionId, now, attemptsLeft - 1) : Future.succeededFuture(false);
      });
    });
  }

  @Override
  public Future<List<AdmissionSlot>> slots(String uid, long now) {
    ReqlFunction1 live = row -> row.g("expiresAt").ge(now);
    return atom("slots", () -> slots().between(uid + "#", uid + "$").filter(live).orderBy("id").coerceTo("array")).map(docs -> {
      List<AdmissionSlot> found = new ArrayList<>();
      ((List<?>) docs).forEach(doc -> found.add(AdmissionSlot.fromJson(json(doc))));
      return found;
    });
  }

  @Override
  public Future<Long> renewSlots(String uid, long expiresAt, long now) {
    ReqlFunction1 leasedAndLive = row -> row.hasFields("connectionId").not().and(row.g("expiresAt").ge(now));
    ReqlFunction1 extend = row -> r.branch(row.g("expiresAt").lt(expiresAt), r.hashMap("expiresAt", expiresAt), r.hashMap());
    return atom("renew", () -> slots().between(uid + "#", uid + "$").filter(leasedAndLive).update(extend)
            .optArg("durability", options.durability.name()))
        .map(result -> RethinkDbFutures.number(((Map<?, ?>) result).get("replaced")) + RethinkDbFutures.number(((Map<?, ?>) result).get("unchanged")));
  }

  @Override
  public Future<Long> expireSlots(long now) {
    ReqlFunction1 lapsed = row -> row.g("expiresAt").lt(now);
    ReqlFunction1 deleteIfLapsed = row -> r.branch(row.g("expiresAt").lt(now), null, row);
    Future<Long> leases = atom("expire slots", () -> slots().filter(lapsed).replace(deleteIfLapsed)
            .optArg("durability", options.durability.name()))
        .map(result -> RethinkDbFutures.number(((Map<?, ?>) result).get("deleted")));
    return leases.compose(deleted -> orphanedSlots().compose(orphans -> {
      List<Future<Object>> deletes = new ArrayList<>();
      for (Map.Entry<String, String> orphan : orphans.entrySet()) {
        String connectionId = orphan.getValue();
        ReqlFunction1 deleteIfStillBound = row -> r.branch(
            row.typeOf().eq("OBJECT").and(row.hasFields("connectionId")).and(row.g("connectionId").eq(connectionId)), null, row);
        deletes.add(atom("expire slots", () -> slots().get(orphan.getKey()).replace(deleteIfStillBound)
            .optArg("durability", options.durability.name())));
      }
      return Future.all(deletes).map(all -> {
        long n = deleted;
        for (int i = 0; i < all.size(); i++) {
          n += RethinkDbFutures.number(((Map<?, ?>) all.resultAt(i)).get("deleted"));
        }
        return n;
      });
    }));
  }

  /** Slots bound to a connection that is no longer registered: slot id -> connectionId. */
  private Future<Map<String, String>> orphanedSlots() {
    ReqlFunction1 bound = row -> row.hasFields("connectionId");
    return atom("expire slots", () -> slots().filter(bound).pluck("id", "connectionId").coerceTo("array")).compose(rows -> {
      Map<String, String> boundSlots = new LinkedHashMap<>();
      for (Object row : (List<?>) rows) {
        Map<?, ?> m = (Map<?, ?>) row;
        boundSlots.put(String.valueOf(m.get("id")), String.valueOf(m.get("connectionId")));
      }
      if (boundSlots.isEmpty()) {
        return Future.succeededFuture(boundSlots);
      }
      Object[] connectionIds = new HashSet<>(boundSlots.values()).toArray();
      return atom("expire slots", () -> connections().getAll(connectionIds).g("id").coerceTo("array")).map(present -> {
        Set<Object> registered = new HashSet<>((List<?>) present);
        boundSlots.values().removeIf(registered::contains);
        return boundSlots;
      });
    });
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return vertx.executeBlocking(() -> {
      queries.close();
      io.shutdown();
      return null;
    }, false);
  }

  // ------------------------------------------------------------------ helpers

  private Table connections() {
    return r.db(options.database).table(options.connectionsTable);
  }

  private Table slots() {
    return r.db(options.database).table(options.admissionTable);
  }

  /** The live connections of a filter, through the serverId or uid index when the filter names one. */
  private ReqlExpr selection(ConnectionFilter filter) {
    ReqlExpr base = filter.serverId() != null ? connections().getAll(filter.serverId()).optArg("index", "serverId")
        : filter.uid() != null ? connections().getAll(filter.uid()).optArg("index", "uid")
        : connections();
    ReqlFunction1 matches = row -> {
      ReqlExpr condition = row.g("lastSeen").ge(filter.liveSince());
      if (filter.serverId() != null) {
        condition = condition.and(row.g("serverId").eq(filter.serverId()));
      }
      if (filter.uid() != null) {
        condition = condition.and(row.g("uid").eq(filter.uid()));
      }
      if (filter.transport() != null) {
        condition = condition.and(row.g("transport").eq(filter.transport()));
      }
      return condition;
    };
    return base.filter(matches);
  }

  private static Object document(ConnectionRecord connection) {
    JsonObject json = connection.toJson().put("id", connection.connectionId());
    return plain(json);
  }

  private static Object plain(JsonObject json) {
    return RethinkDbDocuments.plain(json);
  }

  @SuppressWarnings("unchecked")
  private static JsonObject json(Object document) {
    Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) document);
    return new JsonObject(map);
  }

  private static ConnectionRecord record(Object document) {
    JsonObject json = json(document);
    json.remove("id");
    return ConnectionRecord.fromJson(json);
  }

  private Future<Object> atom(String operation, Supplier<ReqlAst> query) {
    Context context = vertx.getOrCreateContext();
    if (closed) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB connection store is closed", null));
    }
    CompletableFuture<Object> result = queries.get().thenCompose(connection -> {
      try {
        return CompletableFuture.supplyAsync(() -> query.get().runAtomAsync(connection, Object.class), io).thenCompose(f -> f);
      } catch (RejectedExecutionException e) {
        return CompletableFuture.failedFuture(FeedbusException.storeUnavailable("the RethinkDB connection store is closed", e));
      }
    });
    return RethinkDbFutures.bridge(context, operation, result);
  }

}
