package io.feedbus.store.rethinkdb;

import io.feedbus.event.FeedbusException;
import io.feedbus.presence.AdmissionSlot;
import io.feedbus.presence.ConnectionRecord;
import io.feedbus.presence.RuntimeSetting;
import io.feedbus.store.ConnectionFilter;
import io.feedbus.store.ConnectionStore;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The connection registry on RethinkDB: the {@code connections} table (primary key = connectionId,
 * indexes {@code serverId} and {@code uid}) and the {@code admission} table of slots (primary key
 * {@code uid#index}) and the {@code settings} table of run-time settings (primary key {@code scope/name}). Creates what is missing on open (see {@link RethinkDbSchema}).
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
 * Queries go through the engine's Vert.x wire client and complete on the caller's context.
 */
public final class RethinkDbConnectionStore implements ConnectionStore {

  /** How often a release re-reads when a concurrent release took the slot it chose. */
  private static final int RELEASE_ATTEMPTS = 8;

  private final RethinkDbOptions options;
  private final QueryConnection queries;
  private volatile boolean closed;

  private RethinkDbConnectionStore(Vertx vertx, RethinkDbOptions options) {
    this.options = options;
    this.queries = new QueryConnection(vertx, options);
  }

  /** Connects, creates the tables and indexes when missing, and returns the store; fails with {@code store_unavailable}. */
  public static Future<RethinkDbConnectionStore> open(Vertx vertx, RethinkDbOptions options) {
    RethinkDbConnectionStore store = new RethinkDbConnectionStore(vertx, options);
    return RethinkDbSchema.bootstrap(vertx, store.queries, options)
        .recover(t -> Future.failedFuture(RethinkDbErrors.toFeedbus("schema bootstrap on RethinkDB at " + options.address(), t)))
        .map(v -> store)
        .recover(failure -> store.close().transform(ignored -> Future.failedFuture(failure)));
  }

  @Override
  public Future<ConnectionRecord> upsert(ConnectionRecord connection) {
    Reql.Function3 keepConnectedAt = (id, old, incoming) -> incoming.merge(new JsonObject().put("connectedAt", old.g("connectedAt")));
    ReqlTerm query = connections().insert(document(connection))
        .opt("conflict", keepConnectedAt)
        .opt("return_changes", "always")
        .opt("durability", durability());
    return run("upsert", query).map(result -> {
      JsonArray changes = summary(result).getJsonArray("changes");
      if (changes == null || changes.isEmpty() || changes.getJsonObject(0).getJsonObject("new_val") == null) {
        throw new FeedbusException(500, "store_write_failed", "RethinkDB did not store the connection: " + summary(result).getValue("first_error"));
      }
      return record(changes.getJsonObject(0).getJsonObject("new_val"));
    });
  }

  @Override
  public Future<Boolean> touch(String connectionId, long now) {
    ReqlTerm query = connections().get(connectionId).update(new JsonObject().put("lastSeen", now)).opt("durability", durability());
    return run("heartbeat", query).map(result -> count(result, "skipped") == 0);
  }

  @Override
  public Future<ConnectionRecord> remove(String connectionId) {
    ReqlTerm query = connections().get(connectionId).delete().opt("return_changes", true).opt("durability", durability());
    return run("remove", query).map(result -> {
      JsonArray changes = summary(result).getJsonArray("changes");
      return changes == null || changes.isEmpty() ? null : record(changes.getJsonObject(0).getJsonObject("old_val"));
    });
  }

  @Override
  public Future<ConnectionRecord> get(String connectionId) {
    return run("get", connections().get(connectionId)).map(doc -> doc == null ? null : record((JsonObject) doc));
  }

  @Override
  public Future<List<ConnectionRecord>> list(ConnectionFilter filter, int limit) {
    return run("list", selection(filter).orderBy("connectedAt", "id").limit(limit).coerceTo("array")).map(docs -> {
      List<ConnectionRecord> found = new ArrayList<>();
      ((JsonArray) docs).forEach(doc -> found.add(record((JsonObject) doc)));
      return found;
    });
  }

  @Override
  public Future<Long> count(ConnectionFilter filter) {
    return run("count", selection(filter).count()).map(RethinkDbErrors::number);
  }

  @Override
  public Future<Map<String, Long>> countByServer(long liveSince) {
    ReqlTerm query = connections().filter(row -> row.g("lastSeen").ge(liveSince)).group("serverId").count().ungroup();
    return run("countByServer", query).map(rows -> {
      Map<String, Long> counts = new java.util.TreeMap<>();
      for (Object row : (JsonArray) rows) {
        JsonObject group = (JsonObject) row;
        counts.put(String.valueOf(group.getValue("group")), RethinkDbErrors.number(group.getValue("reduction")));
      }
      return counts;
    });
  }

  @Override
  public Future<List<ConnectionRecord>> expire(long liveSince) {
    // The condition is checked again inside each document's write, so a heartbeat that lands
    // between the scan and the delete keeps its connection.
    Function<ReqlTerm, ReqlTerm> deleteIfStale = row -> Reql.branch(row.g("lastSeen").lt(liveSince), null, row);
    ReqlTerm query = connections().filter(row -> row.g("lastSeen").lt(liveSince)).replace(deleteIfStale)
        .opt("return_changes", true).opt("durability", durability());
    return run("expire", query).map(result -> {
      List<ConnectionRecord> removed = new ArrayList<>();
      JsonArray changes = summary(result).getJsonArray("changes");
      if (changes != null) {
        for (Object change : changes) {
          JsonObject c = (JsonObject) change;
          if (c.getValue("new_val") == null && c.getValue("old_val") != null) {
            removed.add(record(c.getJsonObject("old_val")));
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
    Reql.Function3 takeIfLapsed = (id, old, incoming) -> Reql.branch(old.g("expiresAt").lt(now), incoming, old);
    ReqlTerm query = slots().insert(candidate.toJson())
        .opt("conflict", takeIfLapsed)
        .opt("durability", durability());
    return run("acquire", query).compose(result -> {
      if (count(result, "inserted") + count(result, "replaced") == 1) {
        return Future.succeededFuture(index);
      }
      if (count(result, "errors") > 0) {
        return Future.failedFuture(new FeedbusException(500, "store_write_failed", "RethinkDB refused the slot: "
            + summary(result).getValue("first_error")));
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
      JsonObject expected = chosen.toJson();
      // Deletes the document only if it is still exactly the slot chosen (not re-claimed meanwhile).
      ReqlTerm query = slots().get(chosen.id()).replace(row -> Reql.branch(row.eq(expected), null, row)).opt("durability", durability());
      return run("release", query).compose(result -> {
        if (count(result, "deleted") == 1) {
          return Future.succeededFuture(true);
        }
        return attemptsLeft > 1 ? releaseAttempt(uid, connectionId, now, attemptsLeft - 1) : Future.succeededFuture(false);
      });
    });
  }

  @Override
  public Future<List<AdmissionSlot>> slots(String uid, long now) {
    ReqlTerm query = slots().between(uid + "#", uid + "$").filter(row -> row.g("expiresAt").ge(now)).orderBy("id").coerceTo("array");
    return run("slots", query).map(docs -> {
      List<AdmissionSlot> found = new ArrayList<>();
      ((JsonArray) docs).forEach(doc -> found.add(AdmissionSlot.fromJson((JsonObject) doc)));
      return found;
    });
  }

  @Override
  public Future<Long> renewSlots(String uid, long expiresAt, long now) {
    Function<ReqlTerm, ReqlTerm> extend = row -> Reql.branch(row.g("expiresAt").lt(expiresAt),
        new JsonObject().put("expiresAt", expiresAt), new JsonObject());
    ReqlTerm query = slots().between(uid + "#", uid + "$")
        .filter(row -> row.hasFields("connectionId").not().and(row.g("expiresAt").ge(now)))
        .update(extend)
        .opt("durability", durability());
    return run("renew", query).map(result -> count(result, "replaced") + count(result, "unchanged"));
  }

  @Override
  public Future<Long> expireSlots(long now) {
    Function<ReqlTerm, ReqlTerm> deleteIfLapsed = row -> Reql.branch(row.g("expiresAt").lt(now), null, row);
    Future<Long> leases = run("expire slots", slots().filter(row -> row.g("expiresAt").lt(now)).replace(deleteIfLapsed)
        .opt("durability", durability())).map(result -> count(result, "deleted"));
    return leases.compose(deleted -> orphanedSlots().compose(orphans -> {
      List<Future<Object>> deletes = new ArrayList<>();
      for (Map.Entry<String, String> orphan : orphans.entrySet()) {
        String connectionId = orphan.getValue();
        Function<ReqlTerm, ReqlTerm> deleteIfStillBound = row -> Reql.branch(
            row.typeOf().eq("OBJECT").and(row.hasFields("connectionId")).and(row.g("connectionId").eq(connectionId)), null, row);
        deletes.add(run("expire slots", slots().get(orphan.getKey()).replace(deleteIfStillBound).opt("durability", durability())));
      }
      return Future.all(deletes).map(all -> {
        long n = deleted;
        for (int i = 0; i < all.size(); i++) {
          n += count(all.resultAt(i), "deleted");
        }
        return n;
      });
    }));
  }

  /** Slots bound to a connection that is no longer registered: slot id -> connectionId. */
  private Future<Map<String, String>> orphanedSlots() {
    ReqlTerm bound = slots().filter(row -> row.hasFields("connectionId")).pluck("id", "connectionId").coerceTo("array");
    return run("expire slots", bound).compose(rows -> {
      Map<String, String> boundSlots = new LinkedHashMap<>();
      for (Object row : (JsonArray) rows) {
        JsonObject m = (JsonObject) row;
        boundSlots.put(m.getString("id"), m.getString("connectionId"));
      }
      if (boundSlots.isEmpty()) {
        return Future.succeededFuture(boundSlots);
      }
      Object[] connectionIds = new HashSet<>(boundSlots.values()).toArray();
      return run("expire slots", connections().getAll(connectionIds).g("id").coerceTo("array")).map(present -> {
        Set<Object> registered = new HashSet<>(((JsonArray) present).getList());
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
    return queries.close();
  }

  @Override
  public Future<Void> putSetting(RuntimeSetting setting) {
    ReqlTerm query = settingsTable().insert(setting.toJson().put("id", setting.id()))
        .opt("conflict", "replace").opt("durability", durability());
    return run("put setting", query).mapEmpty();
  }

  @Override
  public Future<List<RuntimeSetting>> settings(Set<String> scopes) {
    // A handful of documents: read them all and keep the scopes asked for.
    return run("settings", settingsTable().coerceTo("array")).map(docs -> {
      List<RuntimeSetting> found = new ArrayList<>();
      for (Object doc : (JsonArray) docs) {
        RuntimeSetting setting = RuntimeSetting.fromJson((JsonObject) doc);
        if (scopes.contains(setting.scope())) {
          found.add(setting);
        }
      }
      return found;
    });
  }

  // ------------------------------------------------------------------ helpers

  private ReqlTerm settingsTable() {
    return Reql.db(options.database).table(options.settingsTable);
  }

  private ReqlTerm connections() {
    return Reql.db(options.database).table(options.connectionsTable);
  }

  private ReqlTerm slots() {
    return Reql.db(options.database).table(options.admissionTable);
  }

  private String durability() {
    return options.durability.name();
  }

  /** The live connections of a filter, through the serverId or uid index when the filter names one. */
  private ReqlTerm selection(ConnectionFilter filter) {
    ReqlTerm base = filter.serverId() != null ? connections().getAll(filter.serverId()).opt("index", "serverId")
        : filter.uid() != null ? connections().getAll(filter.uid()).opt("index", "uid")
        : connections();
    return base.filter(row -> {
      ReqlTerm condition = row.g("lastSeen").ge(filter.liveSince());
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
    });
  }

  private static JsonObject document(ConnectionRecord connection) {
    return connection.toJson().put("id", connection.connectionId());
  }

  private static ConnectionRecord record(JsonObject document) {
    JsonObject json = document.copy();
    json.remove("id");
    return ConnectionRecord.fromJson(json);
  }

  private static JsonObject summary(Object result) {
    return result instanceof JsonObject ? (JsonObject) result : new JsonObject();
  }

  private static long count(Object result, String field) {
    return RethinkDbErrors.number(summary(result).getValue(field));
  }

  private Future<Object> run(String operation, ReqlTerm query) {
    if (closed) {
      return Future.failedFuture(FeedbusException.storeUnavailable("the RethinkDB connection store is closed", null));
    }
    return queries.run(operation, query);
  }
}
