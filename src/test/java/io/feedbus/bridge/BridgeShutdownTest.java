package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A node that shuts down tells each browser why before it closes the connection. */
@ExtendWith(VertxExtension.class)
class BridgeShutdownTest {

  @Test
  void closingTheNodeTellsConnectedBrowsersItIsShuttingDown(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = TestNodes.start(vertx, dir);
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws = await(client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket"));
      CompletableFuture<JsonObject> closing = new CompletableFuture<>();
      CompletableFuture<Short> closeCode = new CompletableFuture<>();
      ws.textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        if (BrowserBridge.CLOSING_ADDRESS.equals(frame.getString("address"))) {
          closing.complete(frame.getJsonObject("body"));
        }
      });
      ws.binaryMessageHandler(data -> {
        JsonObject frame = data.toJsonObject();
        if (BrowserBridge.CLOSING_ADDRESS.equals(frame.getString("address"))) {
          closing.complete(frame.getJsonObject("body"));
        }
      });
      ws.closeHandler(v -> closeCode.complete(ws.closeStatusCode()));
      // The bridge tracks a socket once it has been admitted; a ping round-trip makes sure it has.
      await(ws.writeTextMessage(new JsonObject().put("type", "ping").encode()));
      long deadline = System.currentTimeMillis() + 10_000;
      while (node.browserBridge().sockets().count() == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(node.browserBridge().sockets().count()).isEqualTo(1);
      await(node.close());
      assertThat(closing.get(10, TimeUnit.SECONDS).getString("reason")).startsWith("shutting_down");
      assertThat(closeCode.get(10, TimeUnit.SECONDS)).isEqualTo((short) 1001);
    } finally {
      await(client.close());
      await(node.close());
    }
  }
}
