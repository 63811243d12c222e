package io.feedbus.cluster;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.ConfigException;
import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Event;
import io.feedbus.presence.ConnectionHandle;
import io.feedbus.presence.PresenceAddresses;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.testing.SseClient;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Brokers and members without a broker in one Hazelcast cluster (each its own Vert.x and member,
 * in this JVM): every subscriber, on a broker or on a member, gets each event once in cursor order;
 * the registry counts each node's own connections; admission limits hold across nodes; and the
 * embedded engine allows one broker per cluster.
 */
class ClusterTest {

  @TempDir
  Path dir;
  private final List<Feedbus> brokers = new ArrayList<>();
  private final List<Vertx> members = new ArrayList<>();
  private RethinkDbOptions rethinkdb;

  @AfterEach
  void stop() throws Exception {
    for (Feedbus broker : brokers) {
      await(broker.close());
    }
    for (Vertx member : members) {
      await(member.close());
    }
    RethinkDbTesting.dropDatabase(rethinkdb);
  }

  private FeedbusOptions clustered(Path clusterConfig, JsonObject more) {
    JsonObject config = TestNodes.openManagement()
        .put("cluster", new JsonObject().put("enabled", true).put("configFile", clusterConfig.toString()));
    if (rethinkdb != null) {
      config.put("store", new JsonObject().put("type", "rethinkdb").put("rethinkdb", JsonObject.mapFrom(rethinkdb)));
    }
    return TestNodes.options(dir.resolve("node-" + brokers.size()), config.mergeIn(more, true));
  }

  /** Skips without a RethinkDB server; else the brokers started next share a fresh database. Returns the cluster config. */
  private Path onAFreshRethinkDb() throws Exception {
    RethinkDbTesting.assumeServer();
    rethinkdb = RethinkDbTesting.freshOptions();
    return TestNodes.clusterConfig(dir);
  }

  private Feedbus broker(Path clusterConfig) throws Exception {
    return broker(clusterConfig, new JsonObject());
  }

  private Feedbus broker(Path clusterConfig, JsonObject more) throws Exception {
    Feedbus broker = await(Feedbus.start(clustered(clusterConfig, more)));
    brokers.add(broker);
    return broker;
  }

  /** Collects what a subscription delivers. */
  private static final class Received {
    final List<String> cursors = Collections.synchronizedList(new ArrayList<>());
    Subscription subscription;
  }

  private static Received subscribe(Vertx vertx, String topic) throws Exception {
    Received received = new Received();
    received.subscription = await(FeedbusClient.create(vertx).subscribe(topic, null, (Event e) -> received.cursors.add(e.cursor().value())));
    return received;
  }

  @Test
  void aSecondBrokerOnTheEmbeddedEngineIsRefusedWithAClearMessage() throws Exception {
    Path clusterConfig = TestNodes.clusterConfig(dir);
    broker(clusterConfig);
    Throwable refused = RethinkDbTesting.failureOf(Feedbus.start(clustered(clusterConfig, new JsonObject())));
    assertThat(refused).isInstanceOf(ConfigException.class).hasMessageContaining("another broker node of this cluster runs on the embedded engine");
    // The first broker goes on, and once it is gone another may take its place.
    assertThat(await(FeedbusClient.create(brokers.get(0).vertx()).publish("t", 1)).cursor()).isNotNull();
    await(brokers.remove(0).close());
    broker(clusterConfig);
  }

  @Test
  void onTheEmbeddedEngineAMemberWithoutABrokerGetsEachEventOnce() throws Exception {
    Path clusterConfig = TestNodes.clusterConfig(dir);
    Feedbus broker = broker(clusterConfig);
    Vertx member = TestNodes.clusterMember(clusterConfig);
    members.add(member);
    Received onMember = subscribe(member, "orders");
    Received onBroker = subscribe(broker.vertx(), "orders");
    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      acked.add(await(FeedbusClient.create(i % 2 == 0 ? member : broker.vertx()).publish("orders", i)).cursor());
    }
    assertEachGotExactly(member, List.of(onMember, onBroker), acked);
  }

  /** Waits for every subscriber to have as many events as acked, lets late copies show, then compares. */
  private static void assertEachGotExactly(Vertx vertx, List<Received> subscribers, List<String> acked) throws Exception {
    for (Received received : subscribers) {
      await(Waits.until(vertx, () -> received.cursors.size() >= acked.size()));
    }
    await(vertx.timer(500)); // a second copy arriving late would show here
    for (Received received : subscribers) {
      assertThat(received.cursors).containsExactlyElementsOf(acked);
    }
  }

  @Test
  void withRethinkDbEverySubscriberOnEveryBrokerAndMemberGetsEachEventOnceInOrder() throws Exception {
    Path clusterConfig = onAFreshRethinkDb();
    Feedbus one = broker(clusterConfig);
    Feedbus two = broker(clusterConfig);
    Vertx member = TestNodes.clusterMember(clusterConfig);
    members.add(member);
    List<Received> subscribers = new ArrayList<>();
    for (Vertx vertx : List.of(one.vertx(), two.vertx(), member)) {
      subscribers.add(subscribe(vertx, "orders"));
    }
    List<Future<String>> publishes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Vertx from = i % 3 == 0 ? one.vertx() : i % 3 == 1 ? two.vertx() : member;
      publishes.add(FeedbusClient.create(from).publish("orders", i).map(ack -> ack.cursor()));
    }
    List<String> acked = await(Future.all(publishes)).<String>list().stream().sorted().collect(Collectors.toList());
    assertEachGotExactly(member, subscribers, acked);
  }

  @Test
  void withRethinkDbEachNodeRegistersItsOwnConnectionsAndAdmissionHoldsAcrossNodes() throws Exception {
    Path clusterConfig = onAFreshRethinkDb();
    List<Feedbus> nodes = List.of(broker(clusterConfig), broker(clusterConfig), broker(clusterConfig));
    // Two subscriptions on node 0, one on node 1, none on node 2: each counts on its own node.
    subscribe(nodes.get(0).vertx(), "a");
    subscribe(nodes.get(0).vertx(), "b");
    subscribe(nodes.get(1).vertx(), "a");
    WebClient http = WebClient.create(nodes.get(2).vertx());
    try {
      JsonArray counts = await(http.get(nodes.get(2).httpPort(), "127.0.0.1", "/connections/count-by-server").send()).bodyAsJsonArray();
      assertThat(counts).containsExactlyInAnyOrder(
          new JsonObject().put("serverId", nodes.get(0).nodeId()).put("count", 2),
          new JsonObject().put("serverId", nodes.get(1).nodeId()).put("count", 1));
      // 200 concurrent claims for one uid, spread over the three nodes: the limit (3) holds.
      List<Future<JsonObject>> claims = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Feedbus node = nodes.get(i % 3);
        claims.add(http.get(node.httpPort(), "127.0.0.1", "/canStream/alice").send().map(r -> r.bodyAsJsonObject()));
      }
      long admitted = await(Future.all(claims)).<JsonObject>list().stream().filter(r -> r.getBoolean("canStream")).count();
      assertThat(admitted).isEqualTo(3);
      JsonObject state = await(nodes.get(1).vertx().eventBus().<JsonObject>request(PresenceAddresses.STATE,
          new JsonObject().put("uid", "alice"))).body();
      assertThat(state.getInteger("streamCount")).isEqualTo(3);
      // Draining node 0 closes node 0's connections only.
      await(http.put(nodes.get(2).httpPort(), "127.0.0.1", "/connections/accepting")
          .sendJsonObject(new JsonObject().put("accepting", false).put("closeExisting", true).put("serverId", nodes.get(0).nodeId())));
      Waits.poll(nodes.get(2).vertx(), () -> {
        JsonArray now = await(http.get(nodes.get(2).httpPort(), "127.0.0.1", "/connections/count-by-server").send()).bodyAsJsonArray();
        return now.stream().map(o -> (JsonObject) o).noneMatch(o -> nodes.get(0).nodeId().equals(o.getString("serverId")))
            && now.contains(new JsonObject().put("serverId", nodes.get(1).nodeId()).put("count", 1));
      });
    } finally {
      http.close();
    }
  }

  @Test
  void withRethinkDbEveryNodeSeesEachNodesConnectionEventsOnceAndSendReachesAnyNode() throws Exception {
    Path clusterConfig = onAFreshRethinkDb();
    Feedbus one = broker(clusterConfig);
    Feedbus two = broker(clusterConfig);
    List<JsonObject> seenOnOne = java.util.Collections.synchronizedList(new ArrayList<>());
    await(one.vertx().eventBus().<JsonObject>consumer(io.feedbus.presence.PresenceAddresses.EVENTS, m -> seenOnOne.add(m.body())).completion());
    List<Object> direct = java.util.Collections.synchronizedList(new ArrayList<>());
    await(FeedbusClient.create(two.vertx()).withUid("on-two").withDirectHandler(direct::add).subscribe("events", null, e -> { }));
    await(Waits.until(one.vertx(), () -> !seenOnOne.isEmpty()));
    JsonObject sent = (JsonObject) await(one.vertx().eventBus().request(io.feedbus.presence.PresenceAddresses.SEND,
        new JsonObject().put("select", new JsonObject().put("uid", "on-two")).put("payload", "across"))).body();
    assertThat(sent.getLong("delivered")).isEqualTo(1);
    await(Waits.until(one.vertx(), () -> direct.size() == 1));
    await(one.vertx().timer(300)); // a second copy of the event would show here
    assertThat(seenOnOne).hasSize(1);
    assertThat(seenOnOne.get(0).getString("type")).isEqualTo("connected");
    assertThat(seenOnOne.get(0).getJsonObject("connection").getString("serverId")).isEqualTo(two.nodeId());
    assertThat(direct).containsExactly("across");
  }

  /** The lifecycle events of {@code uid} in {@code events}, as {@code type} or {@code type:reason}. */
  private static List<String> typesOf(List<JsonObject> events, String uid) {
    synchronized (events) {
      return events.stream().filter(e -> uid.equals(e.getJsonObject("connection").getString("uid")))
          .map(e -> e.getString("type") + (e.containsKey("reason") ? ":" + e.getString("reason") : "")).toList();
    }
  }

  @Test
  void withRethinkDbASubscriberOnOneNodeSeesEachConnectCloseRefusalAndExpiryOfEveryNodeOnce() throws Exception {
    Path clusterConfig = onAFreshRethinkDb();
    // Both nodes sweep the shared registry: an expiry must still be announced by one of them only.
    JsonObject quickExpiry = new JsonObject().put("presence", new JsonObject().put("clientConnectionExpirationMillis", 2_000)
        .put("heartbeatIntervalMillis", 200).put("sweepIntervalMillis", 100));
    Feedbus one = broker(clusterConfig, quickExpiry);
    Feedbus two = broker(clusterConfig, quickExpiry);
    List<JsonObject> seen = Collections.synchronizedList(new ArrayList<>());
    await(one.vertx().eventBus().<JsonObject>consumer(PresenceAddresses.EVENTS, m -> seen.add(m.body())).completion());
    SseClient ofTwo = await(SseClient.openUri(one.vertx(), one.httpPort(), "/connections/events?serverId=" + two.nodeId(), null));
    WebClient http = WebClient.create(two.vertx());
    try {
      await(ConnectionHandle.register(one.vertx(), new JsonObject().put("uid", "on-one"), order -> { }));
      ConnectionHandle onTwo = await(ConnectionHandle.register(two.vertx(), new JsonObject().put("uid", "on-two"), order -> { }));
      await(onTwo.close());
      await(http.put(two.httpPort(), "127.0.0.1", "/connections/priorities/mallory")
          .sendJsonObject(new JsonObject().put("priority", "BANNED")));
      Throwable refused = RethinkDbTesting.failureOf(ConnectionHandle.register(two.vertx(), new JsonObject().put("uid", "mallory"), o -> { }));
      assertThat(refused).hasMessageContaining("banned");
      // Registered on node two's bus directly: nothing heartbeats for it, so a sweep expires it.
      await(two.vertx().eventBus().request(io.feedbus.event.Nodes.at(PresenceAddresses.UPSERT, two.nodeId()),
          new JsonObject().put("connectionId", "silent").put("uid", "carol")));
      await(Waits.until(one.vertx(), () -> typesOf(seen, "on-one").size() == 1 && typesOf(seen, "on-two").size() == 2
          && typesOf(seen, "mallory").size() == 1 && typesOf(seen, "carol").size() == 2));
      await(one.vertx().timer(500)); // a second copy of any event would show here
      assertThat(typesOf(seen, "on-one")).containsExactly("connected");
      assertThat(typesOf(seen, "on-two")).containsExactly("connected", "disconnected");
      assertThat(typesOf(seen, "mallory")).containsExactly("refused:banned");
      assertThat(typesOf(seen, "carol")).containsExactly("connected", "expired:expired");
      assertThat(seen).hasSize(6);
      // The SSE stream on node one, filtered to node two's connections, saw the same without node one's.
      assertThat(ofTwo.data("connected").stream().map(d -> new JsonObject(d).getJsonObject("connection").getString("uid")))
          .containsExactly("on-two", "carol");
      assertThat(ofTwo.data("disconnected")).hasSize(1);
      assertThat(ofTwo.data("refused")).hasSize(1);
      assertThat(ofTwo.data("expired")).hasSize(1);
    } finally {
      http.close();
      await(ofTwo.close());
    }
  }

  @Test
  void withRethinkDbATopicsPresenceListsItsListenersOnEveryNodeAndEachNodeHearsTheirJoinsAndLeaves() throws Exception {
    Path clusterConfig = onAFreshRethinkDb();
    Feedbus one = broker(clusterConfig);
    Feedbus two = broker(clusterConfig);
    List<JsonObject> notices = Collections.synchronizedList(new ArrayList<>());
    await(one.vertx().eventBus().<JsonObject>consumer(PresenceAddresses.presence("room"), m -> notices.add(m.body())).completion());
    WebClient http = WebClient.create(one.vertx());
    try {
      Subscription frank = await(FeedbusClient.create(two.vertx()).withUid("frank").subscribe("room", null, e -> { }));
      await(FeedbusClient.create(one.vertx()).withUid("grace").subscribe("room", null, e -> { }));
      await(FeedbusClient.create(two.vertx()).withUid("heidi").subscribe("elsewhere", null, e -> { }));
      for (Feedbus asked : List.of(one, two)) {
        JsonArray listeners = await(http.get(asked.httpPort(), "127.0.0.1", "/topics/room/presence").send())
            .bodyAsJsonObject().getJsonArray("connections");
        assertThat(listeners.stream().map(o -> ((JsonObject) o).getString("uid") + "@" + ((JsonObject) o).getString("serverId")))
            .containsExactlyInAnyOrder("frank@" + two.nodeId(), "grace@" + one.nodeId());
      }
      await(frank.cancel());
      await(Waits.until(one.vertx(), () -> notices.size() >= 3));
      await(one.vertx().timer(300)); // a second copy of a notice would show here
      synchronized (notices) {
        assertThat(notices.stream().map(n -> n.getString("type") + " " + n.getJsonObject("connection").getString("uid")))
            .containsExactlyInAnyOrder("join frank", "join grace", "leave frank");
        assertThat(notices.get(notices.size() - 1).getString("type")).isEqualTo("leave");
      }
      JsonArray after = await(http.get(one.httpPort(), "127.0.0.1", "/topics/room/presence").send())
          .bodyAsJsonObject().getJsonArray("connections");
      assertThat(after.stream().map(o -> ((JsonObject) o).getString("uid"))).containsExactly("grace");
    } finally {
      http.close();
    }
  }
}
