package io.feedbus.store.rethinkdb;

import static io.feedbus.testing.RethinkDbTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.testing.RethinkDbTesting;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Schema bootstrap: creates what is missing, changes nothing when run again, survives racing nodes. */
class RethinkDbSchemaTest {

  private RethinkDbOptions options;
  private final List<Vertx> nodes = new ArrayList<>();
  private final List<QueryConnection> connections = new ArrayList<>();

  @BeforeEach
  void fresh() {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (QueryConnection c : connections) {
      await(c.close());
    }
    for (Vertx v : nodes) {
      await(v.close());
    }
    RethinkDbTesting.dropDatabase(options);
  }

  /** A bootstrap as a node runs it: its own Vert.x, its own connection. */
  private Future<Void> bootstrapOnANewNode() {
    Vertx vertx = Vertx.vertx();
    nodes.add(vertx);
    QueryConnection queries = new QueryConnection(vertx, options);
    connections.add(queries);
    return RethinkDbSchema.bootstrap(vertx, queries, options);
  }

  private JsonArray tableConfigs() throws Exception {
    return (JsonArray) RethinkDbTesting.query(options, Reql.db("rethinkdb").table("table_config")
        .filter(new JsonObject().put("db", options.database)).orderBy("name").pluck("id", "name", "indexes").coerceTo("array"));
  }

  private static List<String> names(JsonArray configs) {
    return configs.stream().map(c -> ((JsonObject) c).getString("name")).collect(Collectors.toList());
  }

  private List<String> allTables() {
    return List.of(options.admissionTable, options.connectionsTable, options.eventsTable, options.nodesTable, options.settingsTable);
  }

  @Test
  void bootstrapCreatesTheTablesAndReadyIndexes() throws Exception {
    await(bootstrapOnANewNode());
    assertThat(names(tableConfigs())).containsExactlyElementsOf(allTables());
    JsonArray eventIndexes = (JsonArray) RethinkDbTesting.query(options,
        Reql.db(options.database).table(options.eventsTable).indexWait());
    assertThat(eventIndexes).singleElement().satisfies(status -> {
      assertThat(((JsonObject) status).getString("index")).isEqualTo(RethinkDbSchema.TOPIC_CURSOR_INDEX);
      assertThat(((JsonObject) status).getBoolean("ready")).isTrue();
      assertThat(((JsonObject) status).getBoolean("multi")).isFalse();
    });
    JsonArray connectionIndexes = (JsonArray) RethinkDbTesting.query(options,
        Reql.db(options.database).table(options.connectionsTable).indexList());
    assertThat(connectionIndexes).containsExactlyInAnyOrder("serverId", "uid");
  }

  @Test
  void runningBootstrapAgainChangesNothing() throws Exception {
    await(bootstrapOnANewNode());
    JsonArray before = tableConfigs();
    await(bootstrapOnANewNode());
    assertThat(tableConfigs()).isEqualTo(before);
  }

  @Test
  void twoNodesBootstrappingAtTheSameMomentBothSucceed() throws Exception {
    await(Future.all(bootstrapOnANewNode(), bootstrapOnANewNode()));
    assertThat(names(tableConfigs())).containsExactlyElementsOf(allTables());
  }

  @Test
  void threeNodesBootstrappingAtTheSameMomentAllSucceed() throws Exception {
    await(Future.all(bootstrapOnANewNode(), bootstrapOnANewNode(), bootstrapOnANewNode()));
    assertThat(names(tableConfigs())).containsExactlyElementsOf(allTables());
  }

  @Test
  void aDuplicateTableIsMergedIntoOne() throws Exception {
    await(bootstrapOnANewNode());
    RethinkDbTesting.query(options, Reql.db(options.database).table(options.eventsTable).insert(new JsonObject().put("id", "kept-doc")));
    // A race on a multi-server cluster leaves two tables with one name; a single server may refuse to.
    try {
      RethinkDbTesting.query(options, Reql.db("rethinkdb").table("table_config")
          .insert(new JsonObject().put("db", options.database).put("name", options.eventsTable)));
    } catch (Exception refused) {
      Assumptions.abort("this server refuses a second table with the same name: " + refused.getMessage());
    }
    await(bootstrapOnANewNode());
    assertThat(names(tableConfigs())).containsExactlyElementsOf(allTables());
    assertThat(RethinkDbTesting.query(options, Reql.db(options.database).table(options.eventsTable).get("kept-doc"))).isNotNull();
  }
}
