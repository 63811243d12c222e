package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.feed.HistoryRequest;
import io.feedbus.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What one bridge socket may have going at once: {@code bridge.maxRequestsInFlight} requests awaiting
 * their answer and {@code bridge.maxSubscriptionsPerSocket} addresses listened on; one more of either
 * is refused at once with a coded 429, and the socket stays open.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BridgeRequestBoundTest {

  /** A raw bridge WebSocket that keeps every frame it receives by address. */
  static final class RawSocket {
    /** Kept: Vert.x closes a client that is no longer referenced, and its sockets with it. */
    final WebSocketClient client;
    final WebSocket ws;
    final Map<String, JsonObject> byAddress = new ConcurrentHashMap<>();
    final List<JsonObject> frames = new CopyOnWriteArrayList<>();

    RawSocket(WebSocketClient client, WebSocket ws) {
      this.client = client;
      this.ws = ws;
      // The bridge writes its frames as binary messages, Vert.x's own as text.
      ws.binaryMessageHandler(data -> keep(data.toJsonObject()));
      ws.textMessageHandler(text -> keep(new JsonObject(text)));
    }

    private void keep(JsonObject frame) {
      frames.add(frame);
      if (frame.getString("address") != null) {
        byAddress.put(frame.getString("address"), frame);
      }
    }

    void send(String address, JsonObject body, String replyAddress) {
      ws.writeTextMessage(new JsonObject().put("type", "send").put("address", address).put("body", body)
          .put("replyAddress", replyAddress).encode());
    }

    void register(String address) {
      ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
    }

    void unregister(String address) {
      ws.writeTextMessage(new JsonObject().put("type", "unregister").put("address", address).encode());
    }
  }

  static Future<RawSocket> connect(Vertx vertx, BridgeTestServer server) {
    WebSocketClient client = vertx.createWebSocketClient();
    return client.connect(server.server.actualPort(), "127.0.0.1", "/eventbus/websocket").map(ws -> new RawSocket(client, ws));
  }

  @Test
  void aRequestBeyondTheBoundIsRefusedAtOnceNeverReachesTheServiceAndTheSocketStaysOpen(Vertx vertx) throws Exception {
    BridgeOptions options = new BridgeOptions();
    int bound = options.maxRequestsInFlight;
    int beyond = 16;
    // The history service of this test holds every request until told to answer.
    List<Message<JsonObject>> held = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(HistoryRequest.ADDRESS, held::add);
    BridgeTestServer server = await(BridgeTestServer.start(vertx, options, BridgeObserver.NONE, router -> { }));
    RawSocket socket = await(connect(vertx, server));
    for (int i = 0; i < bound + beyond; i++) {
      socket.send(HistoryRequest.ADDRESS, new JsonObject().put("topic", "held").put("n", i), "r" + i);
    }
    Waits.poll(vertx, () -> held.size() == bound && socket.byAddress.size() == beyond);
    for (int i = bound; i < bound + beyond; i++) {
      JsonObject refusal = socket.byAddress.get("r" + i);
      assertThat(refusal).as("request " + i).isNotNull();
      assertThat(refusal.getString("type")).isEqualTo("err");
      assertThat(refusal.getInteger("failureCode")).isEqualTo(429);
      assertThat(refusal.getString("message")).startsWith("too_many_requests: ");
    }
    assertThat(held).as("the service got the first " + bound + " only").hasSize(bound)
        .extracting(m -> m.body().getInteger("n")).containsExactlyInAnyOrderElementsOf(range(0, bound));
    assertThat(server.bridge.refusedCount()).isEqualTo(beyond);

    // Answered, they free their places: every one gets its answer, and the same socket asks again.
    held.forEach(m -> m.reply(new JsonObject().put("events", new io.vertx.core.json.JsonArray()).put("n", m.body().getInteger("n"))));
    socket.send(HistoryRequest.ADDRESS, new JsonObject().put("topic", "held").put("n", -1), "again");
    Waits.poll(vertx, () -> held.size() == bound + 1);
    held.get(bound).reply(new JsonObject().put("events", new io.vertx.core.json.JsonArray()).put("n", -1));
    Waits.poll(vertx, () -> socket.byAddress.containsKey("again") && socket.byAddress.size() == bound + beyond + 1);
    for (int i = 0; i < bound; i++) {
      JsonObject answer = socket.byAddress.get("r" + i);
      assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("rec");
      assertThat(answer.getJsonObject("body").getInteger("n")).isEqualTo(i);
      assertThat(answer.containsKey("headers")).as("the bridge's own headers stay on the bus").isFalse();
    }
    assertThat(socket.byAddress.get("again").getJsonObject("body").getInteger("n")).isEqualTo(-1);
    assertThat(socket.ws.isClosed()).isFalse();
    await(socket.ws.close());
    await(server.close());
  }

  @Test
  void aServiceFailureReachesTheBrowserWithItsCode(Vertx vertx) throws Exception {
    vertx.eventBus().<JsonObject>consumer(HistoryRequest.ADDRESS, m -> m.fail(400, "invalid_limit: limit must be between 1 and 1000"));
    BridgeTestServer server = await(BridgeTestServer.start(vertx, new BridgeOptions(), BridgeObserver.NONE, router -> { }));
    RawSocket socket = await(connect(vertx, server));
    socket.send(HistoryRequest.ADDRESS, new JsonObject().put("topic", "t").put("limit", 0), "r");
    Waits.poll(vertx, () -> socket.byAddress.containsKey("r"));
    JsonObject answer = socket.byAddress.get("r");
    assertThat(answer.getString("type")).isEqualTo("err");
    assertThat(answer.getInteger("failureCode")).isEqualTo(400);
    assertThat(answer.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
    assertThat(answer.getString("message")).isEqualTo("invalid_limit: limit must be between 1 and 1000");
    await(socket.ws.close());
    await(server.close());
  }

  @Test
  void oneListenerBeyondTheBoundIsRefusedWithItsCodeAndUnregisteringMakesRoom(Vertx vertx) throws Exception {
    BridgeOptions options = new BridgeOptions();
    int bound = options.maxSubscriptionsPerSocket;
    BridgeTestServer server = await(BridgeTestServer.start(vertx, options, BridgeObserver.NONE, router -> { }));
    RawSocket socket = await(connect(vertx, server));
    for (int i = 0; i < bound; i++) {
      socket.register("feedbus.topic.t" + i);
    }
    socket.register("feedbus.topic.one-more");
    Waits.poll(vertx, () -> socket.byAddress.containsKey("feedbus.topic.one-more"));
    JsonObject refusal = socket.byAddress.get("feedbus.topic.one-more");
    assertThat(refusal.getString("type")).isEqualTo("err");
    assertThat(refusal.getInteger("failureCode")).isEqualTo(429);
    assertThat(refusal.getString("message")).startsWith("too_many_subscriptions: ");
    // Requests do not count as listeners: a full socket may still ask.
    vertx.eventBus().<JsonObject>consumer(HistoryRequest.ADDRESS, m -> m.reply(new JsonObject().put("events", new io.vertx.core.json.JsonArray())));
    socket.send(HistoryRequest.ADDRESS, new JsonObject().put("topic", "t0"), "r");
    Waits.poll(vertx, () -> socket.byAddress.containsKey("r"));
    assertThat(socket.byAddress.get("r").getString("type")).isEqualTo("rec");

    socket.unregister("feedbus.topic.t0");
    socket.register("feedbus.topic.one-more");
    // The registration is in place once an event published there arrives.
    long probe = vertx.setPeriodic(20, id -> BridgeTestServer.feed(vertx, "one-more", new JsonObject().put("probe", true)));
    Waits.poll(vertx, () -> "rec".equals(socket.byAddress.get("feedbus.topic.one-more").getString("type")));
    vertx.cancelTimer(probe);
    await(socket.ws.close());
    await(server.close());
  }

  static List<Integer> range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).boxed().toList();
  }
}
