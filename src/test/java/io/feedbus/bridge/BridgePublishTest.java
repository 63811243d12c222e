package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.publish.PublishRequest;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A browser's publish: taken off Vert.x's bridge and answered from the node, with the same frames and codes. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BridgePublishTest {

  @Test
  void aPublishIsAnsweredFromTheNodeWithoutABusMessageAndItsFailuresKeepTheirCodes(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("publish", new JsonObject().put("maxPayloadBytes", 1024)))));
    List<String> addresses = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().addOutboundInterceptor(context -> {
      addresses.add(context.message().address());
      context.next();
    });
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws = await(client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket"));
      BridgeRequestBoundTest.RawSocket socket = new BridgeRequestBoundTest.RawSocket(client, ws);
      socket.send(PublishRequest.ADDRESS, new JsonObject().put("topic", "direct").put("payload", new JsonObject().put("n", 1)), "r1");
      socket.send(PublishRequest.ADDRESS, new JsonObject().put("topic", "direct").put("payload", "x".repeat(2000)), "r\"2");
      socket.send(PublishRequest.ADDRESS, new JsonObject().put("topic", "direct").put("payload", 3).put("persist", "no"), "r3");
      Waits.poll(vertx, () -> socket.byAddress.keySet().containsAll(List.of("r1", "r\"2", "r3")));

      JsonObject ack = socket.byAddress.get("r1");
      assertThat(ack.getString("type")).as(ack.encode()).isEqualTo("rec");
      assertThat(ack.getJsonObject("body").fieldNames()).containsExactlyInAnyOrder("id", "cursor", "ts");
      assertThat(await(node.eventLog().readAfter("direct", null, 10))).extracting(e -> e.id())
          .containsExactly(ack.getJsonObject("body").getString("id"));
      JsonObject tooLarge = socket.byAddress.get("r\"2");
      assertThat(tooLarge.getString("type")).isEqualTo("err");
      assertThat(tooLarge.getInteger("failureCode")).isEqualTo(413);
      assertThat(tooLarge.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
      assertThat(tooLarge.getString("message")).startsWith("payload_too_large: ");
      assertThat(socket.byAddress.get("r3").getInteger("failureCode")).isEqualTo(400);
      assertThat(socket.byAddress.get("r3").getString("message")).startsWith("invalid_persist: ");
      assertThat(addresses).as("no request over the bus").noneMatch(a -> a.startsWith("feedbus.bridge.requests.") || a.startsWith(PublishRequest.ADDRESS));

      // A publish the bridge refuses (no topic to check rights on) still goes its way: answered with its code, the socket open.
      socket.send(PublishRequest.ADDRESS, new JsonObject().put("payload", 1), "r4");
      Waits.poll(vertx, () -> socket.byAddress.containsKey("r4"));
      assertThat(socket.byAddress.get("r4").getString("type")).isEqualTo("err");
      assertThat(socket.byAddress.get("r4").getInteger("failureCode")).isEqualTo(400);
      assertThat(ws.isClosed()).isFalse();
    } finally {
      await(client.close());
      await(node.close());
    }
  }

  @Test
  void aSocketThatStopsPingingIsClosedThroughTheSocketTheBridgeSees(Vertx vertx) throws Exception {
    // Vert.x's bridge closes a silent socket through the SockJS socket class it knows: PublishFrameSocket must be one.
    BridgeOptions options = new BridgeOptions();
    options.pingTimeoutMillis = 1_000;
    BridgeTestServer server = await(BridgeTestServer.start(vertx, options, BridgeObserver.NONE, router -> { }));
    BridgeRequestBoundTest.RawSocket socket = await(BridgeRequestBoundTest.connect(vertx, server));
    java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
    socket.ws.closeHandler(v -> closed.complete(null));
    closed.get(20, TimeUnit.SECONDS);
    await(server.close());
  }
}
