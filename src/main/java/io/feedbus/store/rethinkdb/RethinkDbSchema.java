package io.feedbus.store.rethinkdb;

import static com.rethinkdb.RethinkDB.r;

import com.rethinkdb.ast.ReqlAst;
import com.rethinkdb.gen.ast.ReqlFunction1;
import com.rethinkdb.gen.ast.ReqlFunction3;
import com.rethinkdb.gen.ast.Table;
import com.rethinkdb.net.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates what the engine needs when it is missing: the database; the events table with the
 * compound index {@code topic_cursor} on {@code [topic, cursor]} (replay reads); the connections
 * table with indexes {@code serverId} and {@code uid}; the admission table. Then waits until every
 * index is ready.
 *
 * <p>Idempotent and safe when nodes race: creating what exists fails with a {@code ReqlOpFailedError}
 * "... already exists", which counts as success.
 *
 * <p>On a multi-server RethinkDB cluster two racing {@code tableCreate} calls can leave two tables
 * with one name (every later query on it fails with "is ambiguous"). Bootstrap detects that and
 * repairs it without losing data: among the {@code rethinkdb.table_config} entries with that db and
 * name it keeps the one with the smallest id (every node picks the same one), renames each other
 * to {@code <name>_dup_<id prefix>}, copies its documents into the kept table (existing documents
 * win), then drops it. Concurrent repairs converge: the rename and the copy are idempotent and a
 * second drop finds nothing. Databases created by such a race are not repaired here; create the
 * database ahead of time on a cluster, or bootstrap under a cluster-wide lock.
 */
public final class RethinkDbSchema {

  private static final Logger LOG = LoggerFactory.getLogger(RethinkDbSchema.class);

  /** The compound secondary index replay reads use: {@code [topic, cursor]}. */
  public static final String TOPIC_CURSOR_INDEX = "topic_cursor";

  private final Connection connection;
  private final RethinkDbOptions options;
  private final Executor executor;

  /**
   * @param executor where queries are sent from (the driver writes to the socket on the caller's thread)
   */
  public RethinkDbSchema(Connection connection, RethinkDbOptions options, Executor executor) {
    this.connection = connection;
    this.options = options;
    this.executor = executor;
  }

  /** Creates what is missing and waits for every index; completes once the schema is usable. */
  public CompletableFuture<Void> bootstrap() {
    String events = options.eventsTable;
    String connections = options.connectionsTable;
    return ignoreExisting(() -> r.dbCreate(options.database))
        .thenCompose(v -> ensureTable(events))
        .thenCompose(v -> ensureTable(connections))
        .thenCompose(v -> ensureTable(options.admissionTable))
        .thenCompose(v -> ensureIndex(events, TOPIC_CURSOR_INDEX,
            row -> r.array(row.g("topic"), row.g("cursor"))))
        .thenCompose(v -> ensureIndex(connections, "serverId", row -> row.g("serverId")))
        .thenCompose(v -> ensureIndex(connections, "uid", row -> row.g("uid")))
        .thenCompose(v -> repairing(events, () -> table(events).indexWait(TOPIC_CURSOR_INDEX)))
        .thenCompose(v -> repairing(connections, () -> table(connections).indexWait("serverId", "uid")))
        .thenApply(v -> null);
  }

  private Table table(String name) {
    return r.db(options.database).table(name);
  }

  private CompletableFuture<Object> ensureTable(String name) {
    return repairing(name, () -> r.db(options.database).tableCreate(name))
        .exceptionallyCompose(t -> RethinkDbErrors.isAlreadyExists(t)
            ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(t))
        // wait_() both waits for the table to be ready and probes for a duplicate name.
        .thenCompose(v -> repairing(name, () -> table(name).wait_()));
  }

  private CompletableFuture<Object> ensureIndex(String tableName, String index, ReqlFunction1 function) {
    return repairing(tableName, () -> table(tableName).indexCreate(index, function))
        .exceptionallyCompose(t -> RethinkDbErrors.isAlreadyExists(t)
            ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(t));
  }

  private CompletableFuture<Object> ignoreExisting(Supplier<ReqlAst> query) {
    return run(query).exceptionallyCompose(t -> RethinkDbErrors.isAlreadyExists(t)
        ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(t));
  }

  /** Runs {@code query}; when the table name turns out ambiguous, repairs it and runs it once more. */
  private CompletableFuture<Object> repairing(String tableName, Supplier<ReqlAst> query) {
    return run(query).exceptionallyCompose(t -> {
      if (!RethinkDbErrors.isAmbiguousTable(t)) {
        return CompletableFuture.failedFuture(t);
      }
      LOG.warn("table {}.{} is ambiguous (created twice by racing nodes); repairing", options.database, tableName);
      return repairDuplicates(tableName).thenCompose(v -> run(query));
    });
  }

  CompletableFuture<Void> repairDuplicates(String tableName) {
    ReqlAst configs = r.db("rethinkdb").table("table_config")
        .filter(r.hashMap("db", options.database).with("name", tableName))
        .orderBy("id")
        .coerceTo("array");
    return run(() -> configs).thenCompose(found -> {
      List<?> entries = (List<?>) found;
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (int i = 1; i < entries.size(); i++) {
        String id = String.valueOf(((Map<?, ?>) entries.get(i)).get("id"));
        String duplicateName = tableName + "_dup_" + id.replace("-", "").substring(0, 8);
        chain = chain.thenCompose(v -> mergeDuplicate(tableName, id, duplicateName));
      }
      return chain;
    });
  }

  private CompletableFuture<Void> mergeDuplicate(String tableName, String id, String duplicateName) {
    ReqlFunction3 keepExisting = (key, existing, incoming) -> existing;
    return run(() -> r.db("rethinkdb").table("table_config").get(id).update(r.hashMap("name", duplicateName)))
        .thenCompose(v -> run(() -> table(duplicateName).wait_()))
        .thenCompose(v -> run(() -> table(tableName).insert(table(duplicateName)).optArg("conflict", keepExisting)))
        .thenCompose(v -> run(() -> r.db(options.database).tableDrop(duplicateName)))
        .handle((v, t) -> {
          if (t != null && !(RethinkDbErrors.unwrap(t).getMessage() + "").contains("does not exist")) {
            throw new java.util.concurrent.CompletionException(RethinkDbErrors.unwrap(t));
          }
          LOG.warn("merged duplicate table {}.{} (id {}) into {}", options.database, duplicateName, id, tableName);
          return null;
        });
  }

  private CompletableFuture<Object> run(Supplier<ReqlAst> query) {
    return CompletableFuture.supplyAsync(() -> query.get().runAtomAsync(connection, Object.class), executor)
        .thenCompose(f -> f);
  }
}
