package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.testing.SseClient;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The registry's lifecycle stream, targeted delivery by connection fields, and who listens to a topic. */
@ExtendWith(VertxExtension.class)
class ConnectionEventsTest {

  @TempDir
  Path dir;
  Feedbus node;
  WebClient http;
  final List<JsonObject> events = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    node = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement().put("nodeId", "node-1")
        .put("presence", new JsonObject().put("clientConnectionExpirationMillis", 600).put("heartbeatIntervalMillis", 100)
            .put("sweepIntervalMillis", 100)))));
    http = WebClient.create(vertx);
    await(vertx.eventBus().<JsonObject>consumer(PresenceAddresses.EVENTS, m -> events.add(m.body())).completion());
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    await(node.close());
  }

  private List<String> typesOf(String uid) {
    synchronized (events) {
      return events.stream().filter(e -> uid.equals(e.getJsonObject("connection").getString("uid")))
          .map(e -> e.getString("type") + (e.containsKey("reason") ? ":" + e.getString("reason") : "")).toList();
    }
  }

  @Test
  void connectAndCloseByTheTransportAreConnectedThenDisconnected(Vertx vertx) throws Exception {
    ConnectionHandle handle = await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "alice"), order -> { }));
    await(Waits.until(vertx, () -> typesOf("alice").size() == 1));
    await(handle.close());
    await(Waits.until(vertx, () -> typesOf("alice").size() == 2));
    assertThat(typesOf("alice")).containsExactly("connected", "disconnected");
    JsonObject connected = events.stream().filter(e -> "connected".equals(e.getString("type"))).findFirst().orElseThrow();
    assertThat(connected.getJsonObject("connection").getString("connectionId")).isEqualTo(handle.connectionId());
    assertThat(connected.getJsonObject("connection").getString("serverId")).isEqualTo("node-1");
  }

  @Test
  void aBannedUidIsRefusedAndADrainClosesWithItsReason(Vertx vertx) throws Exception {
    await(http.put(node.httpPort(), "127.0.0.1", "/connections/priorities/mallory").sendJsonObject(new JsonObject().put("priority", "BANNED")));
    Throwable refused = ConnectionHandle.register(vertx, new JsonObject().put("uid", "mallory"), order -> { })
        .toCompletionStage().toCompletableFuture().handle((h, e) -> e).get();
    assertThat(refused).hasMessageContaining("banned");
    await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "bob"), order -> { }));
    await(http.put(node.httpPort(), "127.0.0.1", "/connections/accepting")
        .sendJsonObject(new JsonObject().put("accepting", false).put("closeExisting", true)));
    await(Waits.until(vertx, () -> typesOf("bob").size() == 2));
    assertThat(typesOf("mallory")).containsExactly("refused:banned");
    assertThat(typesOf("bob")).containsExactly("connected", "closed:draining");
  }

  @Test
  void aConnectionThatStopsHeartbeatingExpires(Vertx vertx) throws Exception {
    // Registered straight on the bus: nothing heartbeats for it.
    await(vertx.eventBus().request(PresenceAddresses.UPSERT, new JsonObject().put("connectionId", "silent").put("uid", "carol")));
    await(Waits.until(vertx, () -> typesOf("carol").size() == 2));
    assertThat(typesOf("carol")).containsExactly("connected", "expired:expired");
  }

  @Test
  void theSseStreamOfConnectionEventsFiltersByUid(Vertx vertx) throws Exception {
    SseClient stream = await(SseClient.openUri(vertx, node.httpPort(), "/connections/events?uid=dave", null));
    await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "erin"), order -> { }));
    ConnectionHandle dave = await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "dave").put("transport", "test"), order -> { }));
    await(dave.close());
    await(Waits.until(vertx, () -> stream.data("disconnected").size() == 1));
    assertThat(stream.data("connected")).hasSize(1);
    JsonObject connected = new JsonObject(stream.data("connected").get(0));
    assertThat(connected.getJsonObject("connection").getString("uid")).isEqualTo("dave");
    assertThat(connected.getJsonObject("connection").getString("transport")).isEqualTo("test");
    await(stream.close());
  }

  @Test
  void theSseStreamOfConnectionEventsFiltersByTransportAndNode(Vertx vertx) throws Exception {
    SseClient byTransport = await(SseClient.openUri(vertx, node.httpPort(), "/connections/events?transport=test", null));
    SseClient otherNode = await(SseClient.openUri(vertx, node.httpPort(), "/connections/events?serverId=node-2", null));
    SseClient thisNode = await(SseClient.openUri(vertx, node.httpPort(), "/connections/events?serverId=node-1&transport=eventbus", null));
    await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "ivan").put("transport", "eventbus"), order -> { }));
    await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "judy").put("transport", "test"), order -> { }));
    await(Waits.until(vertx, () -> byTransport.data("connected").size() == 1 && thisNode.data("connected").size() == 1));
    assertThat(new JsonObject(byTransport.data("connected").get(0)).getJsonObject("connection").getString("uid")).isEqualTo("judy");
    assertThat(new JsonObject(thisNode.data("connected").get(0)).getJsonObject("connection").getString("uid")).isEqualTo("ivan");
    assertThat(otherNode.blocks().stream().filter(b -> b.startsWith("event:"))).isEmpty();
    await(byTransport.close());
    await(otherNode.close());
    await(thisNode.close());
  }

  @Test
  void sendDeliversToTheConnectionsWhoseFieldsMatchAndCountsThem(Vertx vertx) throws Exception {
    List<Object> general = Collections.synchronizedList(new ArrayList<>());
    List<Object> random = Collections.synchronizedList(new ArrayList<>());
    await(FeedbusClient.create(vertx).withUid("u1").withFields(new JsonObject().put("channel", "#general"))
        .withDirectHandler(general::add).subscribe("chat", null, e -> { }));
    await(FeedbusClient.create(vertx).withUid("u2").withFields(new JsonObject().put("channel", "#random"))
        .withDirectHandler(random::add).subscribe("chat", null, e -> { }));
    SseClient sse = await(SseClient.openUri(vertx, node.httpPort(), "/topics/chat/stream?channel=%23general", null));
    await(Waits.until(vertx, () -> events.size() >= 3));

    JsonObject answer = await(http.post(node.httpPort(), "127.0.0.1", "/connections/send").sendJsonObject(new JsonObject()
        .put("select", new JsonObject().put("fields", new JsonObject().put("channel", "#general")))
        .put("payload", new JsonObject().put("text", "hello")))).bodyAsJsonObject();
    assertThat(answer).isEqualTo(new JsonObject().put("matched", 2).put("delivered", 2));
    await(Waits.until(vertx, () -> general.size() == 1 && sse.data("direct").size() == 1));
    assertThat(general).containsExactly(new JsonObject().put("text", "hello"));
    assertThat(new JsonObject(sse.data("direct").get(0))).isEqualTo(new JsonObject().put("text", "hello"));
    assertThat(random).isEmpty();

    JsonObject byUid = (JsonObject) await(vertx.eventBus().request(PresenceAddresses.SEND, new JsonObject()
        .put("select", new JsonObject().put("uid", "u2")).put("payload", "ping"))).body();
    assertThat(byUid.getLong("delivered")).isEqualTo(1);
    await(Waits.until(vertx, () -> random.size() == 1));
    assertThat(random).containsExactly("ping");
    await(sse.close());
  }

  @Test
  void sendRefusesUnknownConditionsAndAMissingPayload(Vertx vertx) throws Exception {
    var unknown = await(http.post(node.httpPort(), "127.0.0.1", "/connections/send")
        .sendJsonObject(new JsonObject().put("select", new JsonObject().put("room", "x")).put("payload", 1)));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.bodyAsJsonObject().getString("error")).isEqualTo("unknown_field");
    var missing = await(http.post(node.httpPort(), "127.0.0.1", "/connections/send")
        .sendJsonObject(new JsonObject().put("select", new JsonObject())));
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("missing_payload");
    var tooLong = await(http.get(node.httpPort(), "127.0.0.1", "/topics/chat/stream?channel=" + "x".repeat(200)).send());
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.bodyAsJsonObject().getString("error")).isEqualTo("invalid_field");
  }

  @Test
  void presenceOfATopicListsItsLiveListenersAndAnnouncesJoinsAndLeaves(Vertx vertx) throws Exception {
    List<JsonObject> notices = Collections.synchronizedList(new ArrayList<>());
    await(vertx.eventBus().<JsonObject>consumer(PresenceAddresses.presence("room"), m -> notices.add(m.body())).completion());
    Subscription sub = await(FeedbusClient.create(vertx).withUid("frank").subscribe("room", null, e -> { }));
    await(FeedbusClient.create(vertx).withUid("grace").subscribe("elsewhere", null, e -> { }));
    JsonObject presence = await(http.get(node.httpPort(), "127.0.0.1", "/topics/room/presence").send()).bodyAsJsonObject();
    assertThat(presence.getJsonArray("connections")).hasSize(1);
    assertThat(presence.getJsonArray("connections").getJsonObject(0).getString("uid")).isEqualTo("frank");
    assertThat(presence.getJsonArray("connections").getJsonObject(0).getString("serverId")).isEqualTo("node-1");
    await(sub.cancel());
    await(Waits.until(vertx, () -> notices.size() == 2));
    assertThat(notices.stream().map(n -> n.getString("type"))).containsExactly("join", "leave");
    assertThat(notices.get(0).getJsonObject("connection").getString("uid")).isEqualTo("frank");
    JsonObject after = await(http.get(node.httpPort(), "127.0.0.1", "/topics/room/presence").send()).bodyAsJsonObject();
    assertThat(after.getJsonArray("connections")).isEmpty();
  }
}
