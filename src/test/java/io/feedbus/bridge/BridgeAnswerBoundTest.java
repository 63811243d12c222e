package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.feed.HistoryRequest;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers to a browser's requests count against its socket's write bounds like events: a browser
 * that asks for history pages as large as {@code history.maxPageBytes} and does not read gets a 503
 * {@code slow_consumer} for each page that would not fit, instead of the node buffering them all.
 */
class BridgeAnswerBoundTest {

  static final int PAGE_BYTES = 1024 * 1024;
  static final int EVENT_PAYLOAD = 16 * 1024;
  static final String TOPIC = "pages";

  @TempDir
  Path dir;
  Vertx vertx;
  Feedbus node;
  WebSocketClient client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject()
        .put("history", new JsonObject().put("maxPageBytes", PAGE_BYTES)))));
    // More events than one page holds: every page of the test is full, within an event of maxPageBytes.
    FeedbusClient publisher = FeedbusClient.create(vertx);
    String payload = "p".repeat(EVENT_PAYLOAD);
    for (int i = 0; i < PAGE_BYTES / EVENT_PAYLOAD + 16; i++) {
      await(publisher.publish(TOPIC, payload));
    }
    client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(4 * PAGE_BYTES));
  }

  @AfterEach
  void stop() throws Exception {
    await(client.close());
    await(node.close());
    await(vertx.close());
  }

  @Test
  void pagesThatWouldOverfillTheQueueOfABrowserThatDoesNotReadBecomeSlowConsumerErrors() throws Exception {
    BridgeOptions bounds = node.options().bridge();
    int requests = bounds.maxRequestsInFlight;
    Map<String, JsonObject> answers = new ConcurrentHashMap<>();
    WebSocket ws = await(client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket"));
    ws.binaryMessageHandler(data -> {
      JsonObject frame = data.toJsonObject();
      answers.put(frame.getString("address"), frame);
    });
    // The browser stops reading, then asks for as many full pages as it may at once.
    ws.pause();
    for (int i = 0; i < requests; i++) {
      ws.writeTextMessage(new JsonObject().put("type", "send").put("address", HistoryRequest.ADDRESS).put("replyAddress", "r" + i)
          .put("body", new JsonObject().put("topic", TOPIC).put("limit", 1000)).encode());
    }
    Waits.poll(vertx, () -> node.browserBridge().sockets().count() == 1);
    BrowserSocket socket = node.browserBridge().sockets().all().get(0);
    Waits.poll(vertx, () -> socket.answers() == requests);
    long mostQueued = socket.mostQueuedBytes();

    ws.resume();
    Waits.poll(vertx, () -> answers.size() == requests);
    List<Integer> pageSizes = new ArrayList<>();
    int slow = 0;
    for (int i = 0; i < requests; i++) {
      JsonObject answer = answers.get("r" + i);
      if ("rec".equals(answer.getString("type"))) {
        pageSizes.add(answer.getJsonObject("body").getJsonArray("events").encode().length());
      } else {
        assertThat(answer.getInteger("failureCode")).as(answer.encodePrettily()).isEqualTo(503);
        assertThat(answer.getString("message")).startsWith("slow_consumer: ");
        slow++;
      }
    }
    System.out.println("pages written " + pageSizes.size() + ", replaced " + slow + ", most bytes queued " + mostQueued);
    assertThat(pageSizes).as("the first page fits the empty queue").isNotEmpty()
        .allSatisfy(size -> assertThat(size).isBetween(PAGE_BYTES - EVENT_PAYLOAD - 1024, PAGE_BYTES));
    assertThat(slow).as("pages that did not fit were replaced").isPositive();
    // The bound holds, but for the small errors that replaced pages (each answers one request in flight).
    assertThat(mostQueued).isLessThanOrEqualTo(bounds.maxWriteQueueBytes + requests * 1024L);

    // Once read, the same socket gets full pages again.
    ws.writeTextMessage(new JsonObject().put("type", "send").put("address", HistoryRequest.ADDRESS).put("replyAddress", "again")
        .put("body", new JsonObject().put("topic", TOPIC).put("limit", 1000)).encode());
    Waits.poll(vertx, () -> answers.containsKey("again"));
    assertThat(answers.get("again").getString("type")).isEqualTo("rec");
    await(ws.close());
  }
}
