package io.feedbus.bridge;

import io.feedbus.auth.AuthOptions;
import io.feedbus.auth.Authenticator;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A browser that stops reading (a raw bridge WebSocket, paused) while events pour in: the bridge's
 * per-socket queue stays bounded, and it drops (counted, told) or disconnects (with a reason).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SlowBrowserTest {

  static final int EVENTS = 2000;
  static final String PAD = "x".repeat(4000);
  static WebSocketClient client;

  @Test
  void aSlowBrowserHasEventsDroppedCountedAndIsToldHowManyToReplay(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger dropped = new AtomicInteger();
    BridgeObserver observer = new BridgeObserver() {
      @Override
      public void dropped(BrowserConnection connection, int count) {
        dropped.addAndGet(count);
      }
    };
    List<Integer> received = new ArrayList<>();
    AtomicInteger toldDropped = new AtomicInteger();
    server(vertx, options(BridgeOptions.SlowConsumerPolicy.drop), observer, BridgeSockets.Listener.NONE)
        .compose(server -> subscribeAndStall(vertx, server, "slow.drop"))
        .onComplete(ctx.succeeding(ws -> {
          ws.binaryMessageHandler(data -> {
            JsonObject frame = data.toJsonObject();
            if (BrowserBridge.DROPPED_ADDRESS.equals(frame.getString("address"))) {
              ctx.verify(() -> assertThat(frame.getJsonObject("body").getJsonArray("topics").getList()).containsExactly("slow.drop"));
              toldDropped.addAndGet(frame.getJsonObject("body").getInteger("dropped"));
            } else if (isNumbered(frame)) {
              received.add(BridgeTestServer.payload(frame).getInteger("n"));
            }
            if (received.size() + dropped.get() == EVENTS && toldDropped.get() == dropped.get()) {
              ctx.verify(() -> {
                assertThat(dropped.get()).as("some events were dropped").isPositive();
                assertThat(received).as("the rest arrive in order").isSorted().doesNotHaveDuplicates();
              });
              ws.close().onComplete(ctx.succeedingThenComplete());
            }
          });
          flood(vertx, "slow.drop");
          // Read again once the flood has been handed to the bridge: what it kept arrives, then the notice.
          vertx.setTimer(200, t -> ws.resume());
        }));
  }

  @Test
  void afterDroppingAnEventTheBridgeSendsNothingMoreOfItsTopicUntilItsNotice(Vertx vertx, VertxTestContext ctx) {
    List<Integer> beforeNotice = new ArrayList<>();
    List<Integer> afterNotice = new ArrayList<>();
    List<JsonObject> notices = new ArrayList<>();
    server(vertx, options(BridgeOptions.SlowConsumerPolicy.drop), BridgeObserver.NONE, BridgeSockets.Listener.NONE)
        .compose(server -> subscribeAndStall(vertx, server, "slow.gap"))
        .onComplete(ctx.succeeding(ws -> {
          ws.binaryMessageHandler(data -> {
            JsonObject frame = data.toJsonObject();
            if (BrowserBridge.DROPPED_ADDRESS.equals(frame.getString("address"))) {
              notices.add(frame.getJsonObject("body"));
              // Caught up: what is published now arrives.
              publishNumbered(vertx, "slow.gap", EVENTS, EVENTS + 10);
            } else if (isNumbered(frame)) {
              (notices.isEmpty() ? beforeNotice : afterNotice).add(BridgeTestServer.payload(frame).getInteger("n"));
            }
            if (afterNotice.contains(EVENTS + 9)) {
              ctx.verify(() -> {
                int firstDropped = beforeNotice.size();
                assertThat(firstDropped).as("something was dropped").isLessThan(EVENTS);
                assertThat(beforeNotice).as("before the notice: no gap, nothing after the first dropped event").isEqualTo(range(0, firstDropped));
                assertThat(notices).hasSize(1);
                assertThat(notices.get(0).getJsonObject("firstDropped").getJsonObject("slow.gap"))
                    .isEqualTo(new JsonObject().put("cursor", cursor(firstDropped)).put("ts", (long) firstDropped));
                assertThat(afterNotice).as("after it, what was published after it").isEqualTo(range(EVENTS, EVENTS + 10));
              });
              ws.close().onComplete(ctx.succeedingThenComplete());
            }
          });
          publishNumbered(vertx, "slow.gap", 0, EVENTS);
          // Read again once the events have been handed to the bridge: what it kept arrives, then the notice.
          vertx.setTimer(200, t -> ws.resume());
        }));
  }

  /** Publishes events n = from .. to - 1 with cursors in n's order. */
  static void publishNumbered(Vertx vertx, String topic, int from, int to) {
    for (int i = from; i < to; i++) {
      BridgeTestServer.feed(vertx, topic, new JsonObject().put("n", i).put("pad", PAD), cursor(i));
    }
  }

  /** A frame of an event with a number {@code n} in its payload (not a probe, not a notice). */
  static boolean isNumbered(JsonObject frame) {
    return frame.getJsonObject("body").getValue("payload") instanceof JsonObject payload && payload.containsKey("n");
  }

  static String cursor(int n) {
    return String.format("%013d-000000-00000000", n);
  }

  static List<Integer> range(int from, int to) {
    List<Integer> numbers = new ArrayList<>();
    for (int i = from; i < to; i++) {
      numbers.add(i);
    }
    return numbers;
  }

  @Test
  void aSlowBrowserIsDisconnectedWithTheReasonWhenThePolicySaysSo(Vertx vertx, VertxTestContext ctx) {
    List<String> reasons = new ArrayList<>();
    AtomicInteger open = new AtomicInteger();
    var closed = ctx.checkpoint();
    BridgeObserver observer = new BridgeObserver() {
      @Override
      public void disconnected(BrowserConnection connection, String reason) {
        reasons.add(reason);
      }
    };
    BridgeSockets.Listener listener = new BridgeSockets.Listener() {
      @Override
      public Future<Void> opened(BrowserConnection connection) {
        open.incrementAndGet();
        return Future.succeededFuture();
      }

      @Override
      public void closed(BrowserConnection connection) {
        open.decrementAndGet();
        closed.flag();
      }
    };
    var clientClosed = ctx.checkpoint();
    server(vertx, options(BridgeOptions.SlowConsumerPolicy.disconnect), observer, listener)
        .compose(server -> subscribeAndStall(vertx, server, "slow.disconnect"))
        .onComplete(ctx.succeeding(ws -> {
          ws.closeHandler(v -> {
            ctx.verify(() -> {
              assertThat(ws.closeStatusCode()).isEqualTo((short) 4408);
              assertThat(ws.closeReason()).isEqualTo("slow_consumer");
              assertThat(reasons).containsExactly("slow_consumer");
            });
            clientClosed.flag();
          });
          ws.binaryMessageHandler(data -> { });
          flood(vertx, "slow.disconnect");
          vertx.setTimer(200, t -> ws.resume());
        }));
  }

  static BridgeOptions options(BridgeOptions.SlowConsumerPolicy policy) {
    BridgeOptions options = new BridgeOptions();
    options.maxQueuedMessages = 8;
    options.maxWriteQueueBytes = 64 * 1024;
    options.slowConsumerPolicy = policy;
    return options;
  }

  static Future<HttpServer> server(Vertx vertx, BridgeOptions options, BridgeObserver observer, BridgeSockets.Listener listener) {
    return Authenticator.create(vertx, new AuthOptions()).compose(auth -> {
      Router router = Router.router(vertx);
      BrowserRoutes.mount(router, vertx, auth, options, observer, listener);
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1");
    });
  }

  /** Connects the raw bridge WebSocket, registers on the topic, waits for a first event, then stops reading. */
  static Future<WebSocket> subscribeAndStall(Vertx vertx, HttpServer server, String topic) {
    // Kept in a field: Vert.x closes a client that is no longer referenced.
    client = vertx.createWebSocketClient();
    return client.connect(server.actualPort(), "127.0.0.1", "/eventbus/websocket").compose(ws -> {
      io.vertx.core.Promise<WebSocket> registered = io.vertx.core.Promise.promise();
      // The raw transport sends every frame as a binary WebSocket message holding the JSON.
      ws.binaryMessageHandler(data -> registered.tryComplete(ws));
      ws.writeTextMessage(new JsonObject().put("type", "register").put("address", "feedbus.topic." + topic).encode());
      // Probe until the registration is in place: the first probe that arrives proves it.
      long probe = vertx.setPeriodic(20, id -> BridgeTestServer.feed(vertx, topic, new JsonObject().put("probe", true)));
      return registered.future().onComplete(ar -> {
        vertx.cancelTimer(probe);
        ws.pause();
      });
    });
  }

  static void flood(Vertx vertx, String topic) {
    for (int i = 0; i < EVENTS; i++) {
      BridgeTestServer.feed(vertx, topic, new JsonObject().put("n", i).put("pad", PAD));
    }
  }
}
