package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.testing.NodeWithClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node's raw bridge WebSockets get a topic's events from the shared frame, byte for byte what they got before. */
class SharedFramesOnANodeTest extends NodeWithClient {

  private static final int SOCKETS = 3;
  private static final int EVENTS = 20;

  @Test
  void rawBridgeSocketsReadEveryEventOnceInOrderFromTheSharedFrame(Vertx vertx) throws Exception {
    WebSocketClient sockets = vertx.createWebSocketClient();
    List<List<Integer>> received = new ArrayList<>();
    List<Promise<Void>> probed = new ArrayList<>();
    List<Promise<Void>> done = new ArrayList<>();
    for (int i = 0; i < SOCKETS; i++) {
      List<Integer> numbers = Collections.synchronizedList(new ArrayList<>());
      Promise<Void> probe = Promise.promise();
      Promise<Void> all = Promise.promise();
      received.add(numbers);
      probed.add(probe);
      done.add(all);
      WebSocket socket = await(sockets.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket"));
      socket.binaryMessageHandler(data -> {
        // Parsed as a whole: a frame cut or joined wrongly fails here.
        JsonObject frame = data.toJsonObject();
        assertThat(frame.getString("address")).isEqualTo("feedbus.topic.shared");
        Object payload = frame.getJsonObject("body").getValue("payload");
        if ("probe".equals(payload)) {
          probe.tryComplete();
        } else {
          numbers.add((Integer) payload);
          if (numbers.size() == EVENTS) {
            all.tryComplete();
          }
        }
      });
      socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "feedbus.topic.shared").encode());
    }
    long probing = vertx.setPeriodic(20, id -> client.publish("shared", "probe"));
    for (Promise<Void> probe : probed) {
      await(probe.future());
    }
    vertx.cancelTimer(probing);
    long before = SharedWebSocketFrames.sharedWrites();
    for (int n = 0; n < EVENTS; n++) {
      await(client.publish("shared", n));
    }
    for (Promise<Void> all : done) {
      await(all.future());
    }
    for (List<Integer> numbers : received) {
      assertThat(numbers).isEqualTo(java.util.stream.IntStream.range(0, EVENTS).boxed().toList());
    }
    assertThat(SharedWebSocketFrames.sharedWrites() - before).as("written from the shared frame")
        .isGreaterThanOrEqualTo((long) SOCKETS * EVENTS);
    await(sockets.close());
  }
}
