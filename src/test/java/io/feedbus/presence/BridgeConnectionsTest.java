package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A browser socket of the SockJS bridge is a registry connection, and the registry can close it. */
@ExtendWith(VertxExtension.class)
class BridgeConnectionsTest {

  /** Asks the registry until {@code uid} has {@code count} sockjs connections (registration has no event of its own). */
  private static void awaitCount(Vertx vertx, String uid, long count) throws Exception {
    for (int i = 0; i < 200; i++) {
      JsonObject listed = await(vertx.eventBus().<JsonObject>request(PresenceAddresses.LIST,
          new JsonObject().put("uid", uid).put("transport", "sockjs"))).body();
      if (listed.getJsonArray("connections").size() == count) {
        return;
      }
      await(Future.future(p -> vertx.setTimer(25, id -> p.complete())));
    }
    throw new AssertionError(uid + " never had " + count + " sockjs connections");
  }

  @Test
  void aBrowserSocketIsRegisteredAndClosedWhenItsUidIsBanned(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = TestNodes.start(vertx, dir);
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws = await(client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket"));
      CompletableFuture<Short> closeCode = new CompletableFuture<>();
      ws.closeHandler(v -> closeCode.complete(ws.closeStatusCode()));
      await(ws.writeTextMessage(new JsonObject().put("type", "ping").encode()));
      awaitCount(vertx, "anonymous", 1);
      await(vertx.eventBus().request(PresenceAddresses.BAN, new JsonObject().put("uid", "anonymous")));
      assertThat(closeCode.get(10, TimeUnit.SECONDS)).isEqualTo((short) 4403);
      awaitCount(vertx, "anonymous", 0);
    } finally {
      await(client.close());
      await(node.close());
    }
  }

  @Test
  void aClosedBrowserSocketLeavesTheRegistry(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = TestNodes.start(vertx, dir);
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws = await(client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket"));
      await(ws.writeTextMessage(new JsonObject().put("type", "ping").encode()));
      awaitCount(vertx, "anonymous", 1);
      await(ws.close());
      awaitCount(vertx, "anonymous", 0);
    } finally {
      await(client.close());
      await(node.close());
    }
  }

  @Test
  void socketsDroppedAsSoonAsTheyOpenLeaveNoConnectionBehind(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject()
        .put("presence", new JsonObject().put("heartbeatIntervalMillis", 100)))));
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      List<Future<Void>> drops = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        // Closed at once, some before the bridge even registered them: the close-during-open race.
        drops.add(client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket").compose(WebSocket::close));
      }
      await(Future.join(drops));
      awaitCount(vertx, "anonymous", 0);
      // Several heartbeat intervals later nothing has come back to life.
      await(Future.future(p -> vertx.setTimer(500, id -> p.complete())));
      awaitCount(vertx, "anonymous", 0);
      assertThat(node.browserBridge().sockets().count()).isZero();
      // The gauge follows the registry's count at its next sweep.
      io.feedbus.testing.Waits.poll(vertx, () -> node.meters().find("feedbus.connections.live").gauge().value() == 0);
    } finally {
      await(client.close());
      await(node.close());
    }
  }
}
