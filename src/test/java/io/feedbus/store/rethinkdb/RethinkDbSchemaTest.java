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
      assertThat(((JsonObject) status).getString("index")).isEqualTo(RethinkDbDocuments.CURSOR_INDEX);
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
  void eventsKeyedByCursorAloneAreKeyedByTopicAndCursorOnStartAndReadAsBefore() throws Exception {
    // The first layout: primary key = cursor, a [topic, cursor] index for replay.
    var events = Reql.db(options.database).table(options.eventsTable);
    RethinkDbTesting.query(options, Reql.dbCreate(options.database));
    RethinkDbTesting.query(options, Reql.db(options.database).tableCreate(options.eventsTable));
    RethinkDbTesting.query(options, events.indexCreate(RethinkDbSchema.CURSOR_KEYED_LAYOUT_INDEX,
        row -> Reql.array(row.g("topic"), row.g("cursor"))));
    RethinkDbTesting.query(options, events.indexWait());
    io.feedbus.event.CursorClock clock = new io.feedbus.event.CursorClock("old-node");
    String longTopic = "l".repeat(io.feedbus.event.Topic.MAX_LENGTH);
    List<io.feedbus.event.Event> stored = new ArrayList<>();
    List<JsonObject> documents = new ArrayList<>();
    int count = RethinkDbSchema.REKEY_PAGE * 2 + 500;
    for (int i = 0; i < count; i++) {
      io.feedbus.event.Event event = new io.feedbus.event.Event(clock.next(), i % 3 == 0 ? longTopic : "orders",
          new JsonObject().put("n", i), java.util.Map.of(), "old-node", true);
      stored.add(event);
      documents.add(RethinkDbDocuments.toDocument(event).put("id", event.id()));
    }
    RethinkDbTesting.query(options, events.insert(documents));
    RethinkDbTesting.query(options, events.insert(new JsonObject().put("id", "not-an-event").put("note", "kept")));
    // As if a node had stopped half-way: one event is stored both ways already.
    RethinkDbTesting.query(options, events.insert(RethinkDbDocuments.toDocument(stored.get(1))));

    Vertx vertx = Vertx.vertx();
    nodes.add(vertx);
    RethinkDbEventLog log = await(RethinkDbEventLog.open(vertx, options, "new-node"));
    try {
      for (String topic : List.of("orders", longTopic)) {
        List<String> expected = stored.stream().filter(e -> e.topic().equals(topic)).map(io.feedbus.event.Event::encode)
            .collect(Collectors.toList());
        assertThat(await(log.readPage(topic, null, count, Long.MAX_VALUE)).events()).extracting(io.feedbus.event.Event::encode)
            .containsExactlyElementsOf(expected);
      }
      assertThat(await(log.readAllAfter(null, count + 10))).extracting(io.feedbus.event.Event::id)
          .containsExactlyElementsOf(stored.stream().map(io.feedbus.event.Event::id).collect(Collectors.toList()));
      assertThat(await(log.latest())).isEqualTo(stored.get(count - 1).cursor());
    } finally {
      await(log.close());
    }
    assertThat((JsonArray) RethinkDbTesting.query(options, events.indexList())).containsExactly(RethinkDbDocuments.CURSOR_INDEX);
    assertThat(RethinkDbErrors.number(RethinkDbTesting.query(options, events.count()))).isEqualTo(count + 1L);
    assertThat((JsonObject) RethinkDbTesting.query(options, events.get("not-an-event"))).isNotNull();
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
