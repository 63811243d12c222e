package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.presence.PresenceAddresses;
import io.feedbus.publish.PublishRequest;
import io.feedbus.testing.Credentials;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bridge against every kind of credential, on a node with auth configured (anonymous access
 * therefore off): a publish is answered by the caller's rights, an unacceptable token closes the
 * socket with 4401, and management addresses stay out of reach even with an API key.
 */
class BridgeAuthMatrixTest {

  static Vertx vertx;
  static Feedbus node;
  static WebSocketClient sockets;

  /** Deleted by JUnit after the class, with the node's files. */
  @org.junit.jupiter.api.io.TempDir
  static Path tempDir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Path dir = tempDir;
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("auth", Credentials.authConfig()))));
    sockets = vertx.createWebSocketClient();
  }

  @AfterAll
  static void stop() throws Exception {
    await(sockets.close());
    await(node.close());
    await(vertx.close());
  }

  /** Opens a socket with the credential, sends one request, and completes with the first answer: the reply, an error, or the closing notice. */
  static Future<JsonObject> firstAnswer(Credentials credential, String address, JsonObject body) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort())
        .setURI("/eventbus/websocket");
    String authorization = credential.authorization(vertx);
    if (authorization != null) {
      options.addHeader("Authorization", authorization);
    }
    Promise<JsonObject> answer = Promise.promise();
    // Handlers are set before connecting: a refused token's socket can close before a connect callback runs.
    io.vertx.core.http.ClientWebSocket ws = sockets.webSocket();
    // The bridge writes frames as binary messages, Vert.x's own replies as text.
    java.util.function.Consumer<JsonObject> onFrame = frame -> {
      if ("r1".equals(frame.getString("address")) || BrowserBridge.CLOSING_ADDRESS.equals(frame.getString("address"))) {
        answer.tryComplete(frame);
      }
    };
    ws.textMessageHandler(text -> onFrame.accept(new JsonObject(text)));
    ws.binaryMessageHandler(data -> onFrame.accept(data.toJsonObject()));
    // A refused token's socket is closed with 4401 after its closing frame; when a connect racing that
    // close loses the frame, the close code is the same answer.
    Runnable closed = () -> {
      if (ws.closeStatusCode() != null && ws.closeStatusCode() == 4401) {
        answer.tryComplete(new JsonObject().put("address", BrowserBridge.CLOSING_ADDRESS)
            .put("body", new JsonObject().put("code", 4401).put("reason", ws.closeReason())));
      }
      answer.tryFail("closed without an answer (close code " + ws.closeStatusCode() + ")");
    };
    ws.closeHandler(v -> closed.run());
    return ws.connect(options).transform(connected -> {
      if (connected.failed()) {
        // A refused token's socket can be closed before the connect reports: its closing frame or its
        // close code, read by the handlers above, is the answer; give them a moment, then the connect's failure is.
        vertx.setTimer(2_000, t -> {
          if (ws.closeStatusCode() != null) {
            closed.run();
          }
          answer.tryFail(connected.cause());
        });
      } else {
        try {
          ws.writeTextMessage(new JsonObject().put("type", "send").put("address", address).put("body", body)
              .put("replyAddress", "r1").encode());
        } catch (IllegalStateException closedAlready) {
          // the closing frame, read by the handlers above, is the answer
        }
      }
      // Closing a socket the bridge already closed fails with "WebSocket is closed": not the answer under test.
      return answer.future().eventually(() -> ws.close().recover(alreadyClosed -> Future.succeededFuture()));
    });
  }

  @ParameterizedTest(name = "bridge publish with {0} on {1}")
  @MethodSource("io.feedbus.testing.Credentials#withTopics")
  void aBridgePublishIsAnsweredByTheCallersRights(Credentials credential, String topic) throws Exception {
    JsonObject answer = await(firstAnswer(credential, PublishRequest.ADDRESS,
        new JsonObject().put("topic", topic).put("payload", "bridge " + credential)));
    if (credential.expectedStatus(topic) == 200) {
      assertThat(answer.getJsonObject("body").getString("cursor")).as(answer.encode()).isNotBlank();
    } else {
      assertRefused(credential, topic, answer);
    }
  }

  @ParameterizedTest(name = "bridge history with {0} on {1}")
  @MethodSource("io.feedbus.testing.Credentials#withTopics")
  void aBridgeHistoryRequestIsAnsweredByTheCallersRights(Credentials credential, String topic) throws Exception {
    await(vertx.eventBus().request(PublishRequest.ADDRESS, new JsonObject().put("topic", topic).put("payload", "history of " + topic)));
    JsonObject answer = await(firstAnswer(credential, io.feedbus.feed.HistoryRequest.ADDRESS, new JsonObject().put("topic", topic)));
    if (credential.expectedStatus(topic) == 200) {
      assertThat(answer.getJsonObject("body").getJsonArray("events")).as(answer.encode()).isNotEmpty();
    } else {
      assertRefused(credential, topic, answer);
      assertThat(answer.encode()).doesNotContain("history of");
    }
  }

  /** A refused request: per request for a socket without a credential or the right, else the socket is closed. */
  private static void assertRefused(Credentials credential, String topic, JsonObject answer) {
    int expected = credential.expectedStatus(topic);
    if (credential == Credentials.NONE || expected == 403) {
      // A socket without a credential, or with one lacking the right, stays open and is refused per request.
      assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("err");
      assertThat(answer.getInteger("failureCode")).isEqualTo(expected);
      assertThat(answer.getString("message")).startsWith(credential.expectedError(topic) + ":");
    } else {
      assertThat(answer.getString("address")).as(answer.encode()).isEqualTo(BrowserBridge.CLOSING_ADDRESS);
      assertThat(answer.getJsonObject("body").getInteger("code")).isEqualTo(4401);
      assertThat(answer.getJsonObject("body").getString("reason")).contains("invalid token");
    }
  }

  /** Opens a socket with the credential, asks to listen on {@code topic}, and completes with the error frame refusing it. */
  static Future<JsonObject> listenRefusal(Credentials credential, String topic) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort())
        .setURI("/eventbus/websocket").addHeader("Authorization", credential.authorization(vertx));
    String address = io.feedbus.event.Topic.address(topic);
    Promise<JsonObject> refusal = Promise.promise();
    io.vertx.core.http.ClientWebSocket ws = sockets.webSocket();
    java.util.function.Consumer<JsonObject> onFrame = frame -> {
      if ("err".equals(frame.getString("type")) && address.equals(frame.getString("address"))) {
        refusal.tryComplete(frame);
      }
    };
    ws.textMessageHandler(text -> onFrame.accept(new JsonObject(text)));
    ws.binaryMessageHandler(data -> onFrame.accept(data.toJsonObject()));
    ws.closeHandler(v -> refusal.tryFail("closed without a refusal (close code " + ws.closeStatusCode() + ")"));
    return ws.connect(options)
        .compose(connected -> ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode()))
        .compose(written -> refusal.future())
        .eventually(() -> ws.close().recover(alreadyClosed -> Future.succeededFuture()));
  }

  private static double refused(String code) {
    io.micrometer.core.instrument.Counter counter = node.meters().find("feedbus.bridge.refused").tag("code", code).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aPublishRefusedForTheCallersRightsCountsInTheNodesBridgeRefusedMeter() throws Exception {
    double before = refused("forbidden");
    JsonObject answer = await(firstAnswer(Credentials.TOKEN_WITH_RIGHTS, PublishRequest.ADDRESS,
        new JsonObject().put("topic", Credentials.OTHER_TOPIC).put("payload", "not mine to publish")));
    assertThat(answer.getInteger("failureCode")).as(answer.encode()).isEqualTo(403);
    assertThat(refused("forbidden")).isEqualTo(before + 1);
  }

  @Test
  void aListenRefusedForTheCallersRightsCountsInTheNodesBridgeRefusedMeter() throws Exception {
    double before = refused("forbidden");
    JsonObject refusal = await(listenRefusal(Credentials.TOKEN_WITHOUT_RIGHTS, Credentials.ALLOWED_TOPIC));
    assertThat(refusal.getString("message")).as(refusal.encode()).startsWith("forbidden:");
    assertThat(refused("forbidden")).isEqualTo(before + 1);
  }

  @ParameterizedTest(name = "management over the bridge with {0}")
  @EnumSource(value = Credentials.class, names = {"API_KEY", "TOKEN_WITH_RIGHTS"})
  void managementAddressesStayRefusedOverTheBridge(Credentials credential) throws Exception {
    JsonObject answer = await(firstAnswer(credential, PresenceAddresses.ACCEPTING,
        new JsonObject().put("accepting", false).put("closeExisting", true)));
    assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("err");
    assertThat(answer.getInteger("failureCode")).isEqualTo(403);
    JsonObject settings = await(vertx.eventBus().<JsonObject>request(PresenceAddresses.SETTINGS, new JsonObject())).body();
    assertThat(settings.encode()).doesNotContain("\"accepting\":false");
  }
}
