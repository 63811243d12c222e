package io.feedbus.store.rethinkdb;

import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates what the engine needs when it is missing: the database; the events table with the
 * index {@code cursor} (the timeline; replay reads the primary key, see {@link RethinkDbDocuments}); the connections
 * table with indexes {@code serverId} and {@code uid}; the admission and nodes tables. Then waits
 * until every table ({@code wait}) and index ({@code indexWait}) is ready.
 *
 * <p>Idempotent and safe when nodes race: creating what exists fails with "... already exists",
 * which counts as success; a table another node has just created can still refuse reads and writes
 * ("primary replica ... not available", "does not exist" on a lagging server), which is retried
 * with backoff until {@code connectTimeoutMillis} times 6 has passed.
 *
 * <p>Racing {@code tableCreate} calls leave several tables with one name, on a single server too
 * (seen with RethinkDB 2.4.4: three nodes, three tables, every time; {@code dbCreate} is serialized),
 * and every later query on the name fails with "is ambiguous". Bootstrap repairs it without losing
 * data: among the {@code rethinkdb.table_config} entries with that db and name it keeps the one with
 * the smallest id (every node picks the same one), renames each other to
 * {@code <name>_dup_<id prefix>}, copies its documents into the kept table (existing documents win),
 * then drops it. Every step is idempotent and retried while the tables are not ready, so nodes that
 * repair at the same time converge; a step that finds its table gone was done by another node.
 * Databases created twice by a race on a multi-server cluster are not repaired: create the database
 * ahead of time there.
 *
 * <p>Last, events an earlier feedbus keyed by cursor alone are keyed by topic and cursor (see
 * {@link #rekeyCursorKeyedEvents}).
 */
final class RethinkDbSchema {

  private static final Logger LOG = LoggerFactory.getLogger(RethinkDbSchema.class);

  /** The replay index of the first layout, whose primary key was the cursor alone: its presence says the table still has it. */
  static final String CURSOR_KEYED_LAYOUT_INDEX = "topic_cursor";
  /** Documents re-keyed per query when that layout is found. */
  static final int REKEY_PAGE = 1_000;

  private final Vertx vertx;
  private final QueryConnection queries;
  private final RethinkDbOptions options;
  private final Backoff backoff;
  private final long startedNanos;
  private final long deadlineNanos;

  private RethinkDbSchema(Vertx vertx, QueryConnection queries, RethinkDbOptions options) {
    this.vertx = vertx;
    this.queries = queries;
    this.options = options;
    this.backoff = new Backoff(Math.max(20, options.reconnectInitialDelayMillis), Math.max(200, options.reconnectMaxDelayMillis));
    this.startedNanos = System.nanoTime();
    this.deadlineNanos = startedNanos + 6 * options.connectTimeoutMillis * 1_000_000;
  }

  private static long secondsSince(long nanos) {
    return Math.round((System.nanoTime() - nanos) / 1e9);
  }

  /** Creates what is missing and waits for every table and index; completes once the schema is usable. */
  static Future<Void> bootstrap(Vertx vertx, QueryConnection queries, RethinkDbOptions options) {
    return new RethinkDbSchema(vertx, queries, options).run();
  }

  private Future<Void> run() {
    String events = options.eventsTable;
    String connections = options.connectionsTable;
    return creating("create database", () -> Reql.dbCreate(options.database))
        .compose(v -> ensureTable(events))
        .compose(v -> ensureTable(connections))
        .compose(v -> ensureTable(options.admissionTable))
        .compose(v -> ensureTable(options.nodesTable))
        .compose(v -> ensureTable(options.settingsTable))
        .compose(v -> ensureIndex(events, RethinkDbDocuments.CURSOR_INDEX, row -> row.g("cursor")))
        .compose(v -> ensureIndex(connections, "serverId", row -> row.g("serverId")))
        .compose(v -> ensureIndex(connections, "uid", row -> row.g("uid")))
        .compose(v -> repairing(events, "wait for indexes", () -> table(events).indexWait(RethinkDbDocuments.CURSOR_INDEX)))
        .compose(v -> repairing(connections, "wait for indexes", () -> table(connections).indexWait("serverId", "uid")))
        .compose(v -> rekeyCursorKeyedEvents(events));
  }

  /**
   * Events stored by an earlier feedbus are keyed by their cursor alone, with the index
   * {@value #CURSOR_KEYED_LAYOUT_INDEX} for replay: each is written again under {@code [topic key,
   * cursor]} (replacing what an interrupted run wrote) and then removed, page by page in key order;
   * the old index goes last, so a node that stops half-way finishes the job on its next start.
   * Nodes that do it at the same time write the same documents and remove the same ones. Documents
   * that are not events (no string {@code topic} and {@code cursor}) are left as they are. Nodes of
   * the earlier version must be stopped first: what they write meanwhile is keyed the old way.
   */
  private Future<Void> rekeyCursorKeyedEvents(String events) {
    return repairing(events, "list indexes", () -> table(events).indexList()).compose(indexes -> {
      if (!((JsonArray) indexes).contains(CURSOR_KEYED_LAYOUT_INDEX)) {
        return Future.succeededFuture();
      }
      LOG.info("{}.{} holds events keyed by cursor alone (an earlier feedbus): keying them by topic and cursor",
          options.database, events);
      long[] rekeyed = {0};
      long started = System.nanoTime();
      return rekeyPage(events, "", rekeyed)
          .compose(v -> repairStep("drop index " + CURSOR_KEYED_LAYOUT_INDEX, table(events).indexDrop(CURSOR_KEYED_LAYOUT_INDEX)))
          .onSuccess(v -> LOG.info("{}.{}: {} events keyed by topic and cursor in {} s", options.database, events, rekeyed[0],
              secondsSince(started)))
          .mapEmpty();
    });
  }

  private Future<Void> rekeyPage(String events, String after, long[] rekeyed) {
    // String keys sort after array keys: from "" on, only the old documents.
    ReqlTerm page = table(events).between(after, Reql.maxval()).opt("left_bound", "open")
        .orderBy().opt("index", "id").limit(REKEY_PAGE).coerceTo("array");
    return retrying("read events keyed by cursor", () -> page).compose(found -> {
      JsonArray documents = (JsonArray) found;
      if (documents.isEmpty()) {
        return Future.succeededFuture();
      }
      List<JsonObject> copies = new ArrayList<>();
      List<Object> oldKeys = new ArrayList<>();
      for (Object element : documents) {
        JsonObject document = (JsonObject) element;
        if (document.getValue("id") instanceof String id && document.getValue("topic") instanceof String topic
            && document.getValue("cursor") instanceof String cursor) {
          copies.add(document.copy().put("id", RethinkDbDocuments.key(topic, cursor)));
          oldKeys.add(id);
        }
      }
      String last = String.valueOf(documents.getJsonObject(documents.size() - 1).getValue("id"));
      if (copies.isEmpty()) {
        return rekeyPage(events, last, rekeyed);
      }
      ReqlTerm write = table(events).insert(copies).opt("conflict", "replace");
      ReqlTerm remove = table(events).getAll(oldKeys.toArray()).delete();
      return retrying("write events keyed by topic and cursor", () -> write).compose(summary -> {
        long errors = RethinkDbErrors.number(((JsonObject) summary).getValue("errors"));
        return errors == 0 ? retrying("remove events keyed by cursor", () -> remove)
            : Future.failedFuture(new IllegalStateException("keying events by topic and cursor: RethinkDB refused " + errors
                + " of " + copies.size() + ": " + ((JsonObject) summary).getValue("first_error")));
      }).compose(v -> {
        rekeyed[0] += copies.size();
        if (rekeyed[0] % 100_000 < copies.size()) {
          LOG.info("{}.{}: {} events keyed by topic and cursor so far", options.database, events, rekeyed[0]);
        }
        return rekeyPage(events, last, rekeyed);
      });
    });
  }

  private ReqlTerm table(String name) {
    return Reql.db(options.database).table(name);
  }

  private Future<Object> ensureTable(String name) {
    // Only a table that is not listed yet is created: a node that comes later adds no duplicate.
    return retrying("list tables", () -> Reql.db(options.database).tableList())
        .compose(tables -> ((JsonArray) tables).contains(name) ? Future.succeededFuture()
            : repairing(name, "create table " + name, () -> Reql.db(options.database).tableCreate(name))
                .recover(t -> RethinkDbErrors.isAlreadyExists(t) ? Future.succeededFuture() : Future.failedFuture(t)))
        // wait() both waits for the table to be ready and probes for a duplicate name.
        .compose(v -> repairing(name, "wait for table " + name, () -> table(name).waitReady()));
  }

  private Future<Object> ensureIndex(String tableName, String index, Function<ReqlTerm, ReqlTerm> function) {
    return repairing(tableName, "create index " + index, () -> table(tableName).indexCreate(index, function))
        .recover(t -> RethinkDbErrors.isAlreadyExists(t) ? Future.succeededFuture() : Future.failedFuture(t));
  }

  private Future<Object> creating(String operation, Supplier<ReqlTerm> query) {
    return retrying(operation, query)
        .recover(t -> RethinkDbErrors.isAlreadyExists(t) ? Future.succeededFuture() : Future.failedFuture(t));
  }

  /**
   * Runs {@code query}; when the table name turns out ambiguous, repairs it and runs it again, as
   * often as a node racing behind this one creates yet another duplicate (until the deadline).
   */
  private Future<Object> repairing(String tableName, String operation, Supplier<ReqlTerm> query) {
    return retrying(operation, query).recover(t -> {
      if (!RethinkDbErrors.isAmbiguousTable(t) || System.nanoTime() > deadlineNanos) {
        return Future.failedFuture(t);
      }
      LOG.info("table {}.{} is ambiguous (created more than once by nodes starting together); repairing",
          options.database, tableName);
      return repairDuplicates(tableName).compose(v -> repairing(tableName, operation, query));
    });
  }

  /** Runs a query, again after a pause while the server says the data is not ready (or not there) yet. */
  private Future<Object> retrying(String operation, Supplier<ReqlTerm> query) {
    Promise<Object> result = Promise.promise();
    attempt(operation, query, 0, true, result);
    return result.future();
  }

  /** A repair step: retried while not ready; done when its table is gone (another node did it). */
  private Future<Object> repairStep(String operation, ReqlTerm query) {
    Promise<Object> result = Promise.promise();
    attempt(operation, () -> query, 0, false, result);
    return result.future().recover(t -> RethinkDbErrors.isMissing(t) ? Future.succeededFuture() : Future.failedFuture(t));
  }

  private void attempt(String operation, Supplier<ReqlTerm> query, int attempt, boolean retryMissing, Promise<Object> result) {
    queries.connection()
        .compose(c -> c.run(query.get(), Math.max(options.queryTimeoutMillis, 60_000)))
        .onSuccess(result::complete)
        .onFailure(t -> {
          boolean transientFailure = RethinkDbErrors.isMissing(t) ? retryMissing
              : RethinkDbErrors.isUnavailable(t) && !RethinkDbErrors.isAlreadyExists(t) && !RethinkDbErrors.isAmbiguousTable(t);
          if (!transientFailure || System.nanoTime() > deadlineNanos) {
            // The attempts are told whichever failure came last: the connection's own "unreachable" too.
            result.fail(transientFailure ? RethinkDbErrors.failureOf("schema bootstrap (" + operation + ") on "
                + options.address() + ", " + (attempt + 1) + " attempts in " + secondsSince(startedNanos) + " s,", t) : t);
            return;
          }
          if (attempt == 0 && RethinkDbErrors.isUnavailable(t) && !RethinkDbErrors.isMissing(t)) {
            LOG.info("RethinkDB at {} not usable yet ({}); trying again for up to {} s", options.address(),
                RethinkDbErrors.messageOf(t), Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000_000));
          }
          long delay = backoff.delay(attempt);
          LOG.debug("schema bootstrap: {} not possible yet ({}); again in {} ms", operation, t.getMessage(), delay);
          vertx.setTimer(delay, x -> attempt(operation, query, attempt + 1, retryMissing, result));
        });
  }

  Future<Void> repairDuplicates(String tableName) {
    ReqlTerm configs = Reql.db("rethinkdb").table("table_config")
        .filter(new JsonObject().put("db", options.database).put("name", tableName))
        .orderBy("id")
        .coerceTo("array");
    return retrying("list duplicate tables", () -> configs).compose(found -> {
      JsonArray entries = (JsonArray) found;
      Map<String, String> duplicates = new LinkedHashMap<>();
      for (int i = 1; i < entries.size(); i++) {
        String id = entries.getJsonObject(i).getString("id");
        duplicates.put(id, tableName + "_dup_" + id.replace("-", "").substring(0, 8));
      }
      // Every duplicate is renamed first (by id: idempotent), so the name is unique for the merges.
      Future<Void> chain = Future.succeededFuture();
      for (Map.Entry<String, String> duplicate : duplicates.entrySet()) {
        chain = chain.compose(v -> repairStep("rename duplicate", Reql.db("rethinkdb").table("table_config")
            .get(duplicate.getKey()).update(new JsonObject().put("name", duplicate.getValue()))).mapEmpty());
      }
      for (Map.Entry<String, String> duplicate : duplicates.entrySet()) {
        chain = chain.compose(v -> mergeDuplicate(tableName, duplicate.getKey(), duplicate.getValue()));
      }
      return chain;
    });
  }

  private Future<Void> mergeDuplicate(String tableName, String id, String duplicateName) {
    Reql.Function3 keepExisting = (key, existing, incoming) -> existing;
    // A step that finds the duplicate gone was done by another node repairing at the same time.
    return repairStep("wait for duplicate", table(duplicateName).waitReady())
        .compose(v -> repairStep("wait for kept table", table(tableName).waitReady()))
        .compose(v -> repairStep("merge duplicate", table(tableName).insert(table(duplicateName)).opt("conflict", keepExisting)))
        .compose(v -> repairStep("drop duplicate", Reql.db(options.database).tableDrop(duplicateName)))
        .onSuccess(v -> LOG.info("merged duplicate table {}.{} (id {}) into {}", options.database, duplicateName, id, tableName))
        .mapEmpty();
  }
}
