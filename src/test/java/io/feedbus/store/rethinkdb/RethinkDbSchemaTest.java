package io.feedbus.store.rethinkdb;

import static com.rethinkdb.RethinkDB.r;
import static org.assertj.core.api.Assertions.assertThat;

import com.rethinkdb.net.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Schema bootstrap: creates what is missing, changes nothing when run again, survives a race. */
class RethinkDbSchemaTest {

  private RethinkDbOptions options;
  private Connection first;
  private Connection second;
  private ExecutorService executor;

  @BeforeEach
  void connect() {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    first = RethinkDbTesting.connect(options);
    second = RethinkDbTesting.connect(options);
    executor = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void cleanUp() {
    if (options == null) {
      return;
    }
    RethinkDbTesting.dropDatabase(options);
    first.close();
    second.close();
    executor.shutdownNow();
  }

  private void bootstrap(Connection connection) throws Exception {
    new RethinkDbSchema(connection, options, executor).bootstrap().get(60, TimeUnit.SECONDS);
  }

  @SuppressWarnings("unchecked")
  private List<Object> tableConfigs() {
    return (List<Object>) r.db("rethinkdb").table("table_config").filter(r.hashMap("db", options.database))
        .orderBy("name").pluck("id", "name", "indexes").coerceTo("array").runAtom(first, List.class);
  }

  private static List<String> names(List<Object> configs) {
    return configs.stream().map(c -> String.valueOf(((Map<?, ?>) c).get("name"))).collect(java.util.stream.Collectors.toList());
  }

  @Test
  @SuppressWarnings("unchecked")
  void bootstrapCreatesTheTablesAndReadyIndexes() throws Exception {
    bootstrap(first);
    List<Object> tables = (List<Object>) r.db(options.database).tableList().runAtom(first, List.class);
    assertThat(tables).containsExactlyInAnyOrder(options.eventsTable, options.connectionsTable, options.admissionTable);
    List<?> eventIndexes = r.db(options.database).table(options.eventsTable).indexStatus().coerceTo("array").runAtom(first, List.class);
    assertThat(eventIndexes).singleElement().satisfies(status -> {
      assertThat(((Map<?, ?>) status).get("index")).isEqualTo(RethinkDbSchema.TOPIC_CURSOR_INDEX);
      assertThat(((Map<?, ?>) status).get("ready")).isEqualTo(true);
      assertThat(((Map<?, ?>) status).get("multi")).isEqualTo(false);
    });
    List<Object> connectionIndexes = (List<Object>) r.db(options.database).table(options.connectionsTable).indexList().runAtom(first, List.class);
    assertThat(connectionIndexes).containsExactlyInAnyOrder("serverId", "uid");
  }

  @Test
  void runningBootstrapAgainChangesNothing() throws Exception {
    bootstrap(first);
    List<Object> before = tableConfigs();
    bootstrap(first);
    assertThat(tableConfigs()).isEqualTo(before);
  }

  @Test
  void twoNodesBootstrappingAtTheSameMomentBothSucceed() throws Exception {
    CompletableFuture<Void> a = new RethinkDbSchema(first, options, executor).bootstrap();
    CompletableFuture<Void> b = new RethinkDbSchema(second, options, executor).bootstrap();
    CompletableFuture.allOf(a, b).get(60, TimeUnit.SECONDS);
    List<Object> configs = tableConfigs();
    assertThat(names(configs)).containsExactly(options.admissionTable, options.connectionsTable, options.eventsTable);
  }

  @Test
  void aDuplicateTableIsMergedIntoOne() throws Exception {
    bootstrap(first);
    r.db(options.database).table(options.eventsTable).insert(r.hashMap("id", "kept-doc")).run(first);
    // A race on a multi-server cluster leaves two tables with one name; a single server may refuse to.
    try {
      r.db("rethinkdb").table("table_config")
          .insert(r.hashMap("db", options.database).with("name", options.eventsTable)).run(first);
    } catch (RuntimeException refused) {
      Assumptions.abort("this server refuses a second table with the same name: " + refused.getMessage());
    }
    bootstrap(second);
    List<Object> configs = tableConfigs();
    assertThat(names(configs)).containsExactly(options.admissionTable, options.connectionsTable, options.eventsTable);
    assertThat(r.db(options.database).table(options.eventsTable).get("kept-doc").runAtom(first, Map.class)).isNotNull();
  }
}
