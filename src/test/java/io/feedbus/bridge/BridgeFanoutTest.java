package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.auth.AuthOptions;
import io.feedbus.auth.Authenticator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bridge's fan-out ({@link TopicFanout}): the browsers of a topic share one consumer per event
 * loop, and each gets every event once, in order, until it unregisters; a browser that stops reading
 * loses events of its own, while the others get theirs.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BridgeFanoutTest {

  static final int SOCKETS = 20;
  static final int EVENTS = 50;

  /** Kept in a field: Vert.x closes a client that is no longer referenced. */
  static WebSocketClient client;

  @Test
  void oneEventReachesEverySocketOfItsTopicExactlyOnceInOrder(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger fenced = new AtomicInteger();
    start(vertx, new BridgeOptions()).compose(bridge -> {
      List<Future<WebSocket>> sockets = new ArrayList<>();
      for (int i = 0; i < SOCKETS; i++) {
        List<Integer> numbers = new ArrayList<>();
        sockets.add(subscribe(vertx, "fan.all", frame -> {
          int n = BridgeTestServer.payload(frame).getInteger("n");
          if (n < EVENTS) {
            numbers.add(n);
            return;
          }
          // The fence, published last: a socket's frames come in order, so every event (and any duplicate) came before it.
          ctx.verify(() -> assertThat(numbers).isEqualTo(range(EVENTS)));
          if (fenced.incrementAndGet() == SOCKETS) {
            ctx.completeNow();
          }
        }));
      }
      return Future.all(sockets).map(bridge);
    }).onComplete(ctx.succeeding(bridge -> {
      ctx.verify(() -> {
        assertThat(bridge.listening("fan.all")).isEqualTo(SOCKETS);
        assertThat(bridge.topicConsumers("fan.all")).as("one consumer for all of them").isEqualTo(1);
      });
      publishNumbered(vertx, "fan.all", 0, EVENTS + 1);
    }));
  }

  @Test
  void aSocketThatUnregistersGetsNothingMoreOfTheTopicWhileTheOthersDo(Vertx vertx, VertxTestContext ctx) {
    List<Integer> leaving = new ArrayList<>();
    List<Integer> staying = new ArrayList<>();
    Checkpoint bothHeard = ctx.checkpoint(2);
    start(vertx, new BridgeOptions()).onComplete(ctx.succeeding(bridge -> {
      Future<WebSocket> stays = subscribe(vertx, "fan.leave", frame -> {
        staying.add(BridgeTestServer.payload(frame).getInteger("n"));
        if (staying.size() == 2) {
          ctx.verify(() -> assertThat(staying).isEqualTo(range(2)));
          bothHeard.flag();
        }
      });
      Promise<WebSocket> leavingSocket = Promise.promise();
      stays.compose(first -> subscribe(vertx, "fan.leave", frame -> {
        if ("feedbus.topic.fan.leave".equals(frame.getString("address"))) {
          leaving.add(BridgeTestServer.payload(frame).getInteger("n"));
          WebSocket socket = leavingSocket.future().result();
          socket.writeTextMessage(new JsonObject().put("type", "unregister").put("address", "feedbus.topic.fan.leave").encode());
          // Frames are handled in order: once the marker registration is in place, so is the unregister.
          registered(vertx, socket, "fan.marker").onComplete(ctx.succeeding(v -> {
            publishNumbered(vertx, "fan.leave", 1, 2);
            BridgeTestServer.feed(vertx, "fan.marker", new JsonObject().put("marker", true));
          }));
          return;
        }
        // The marker topic's event, published after the second event: that one would have come before it.
        ctx.verify(() -> {
          assertThat(leaving).as("nothing after the unregister").isEqualTo(range(1));
          assertThat(bridge.listening("fan.leave")).isEqualTo(1);
        });
        bothHeard.flag();
      })).onComplete(ctx.succeeding(socket -> {
        leavingSocket.complete(socket);
        publishNumbered(vertx, "fan.leave", 0, 1);
      }));
    }));
  }

  @Test
  void aClosedSocketLeavesItsTopics(Vertx vertx, VertxTestContext ctx) {
    Promise<Void> closed = Promise.promise();
    BridgeSockets.Listener listener = new BridgeSockets.Listener() {
      @Override
      public void closed(BrowserConnection connection) {
        closed.tryComplete();
      }
    };
    start(vertx, new BridgeOptions(), BridgeObserver.NONE, listener).onComplete(ctx.succeeding(bridge ->
        subscribe(vertx, "fan.close", frame -> { }).compose(socket -> {
          ctx.verify(() -> assertThat(bridge.listening("fan.close")).isEqualTo(1));
          return socket.close();
        }).compose(v -> closed.future()).onComplete(ctx.succeeding(v -> {
          ctx.verify(() -> assertThat(bridge.listening("fan.close")).isZero());
          ctx.completeNow();
        }))));
  }

  @Test
  void aSocketThatStopsReadingHasItsOwnEventsDroppedWhileTheOthersGetAll(Vertx vertx, VertxTestContext ctx) {
    List<String> droppedFor = new ArrayList<>();
    BridgeObserver observer = new BridgeObserver() {
      @Override
      public void dropped(BrowserConnection connection, int count) {
        droppedFor.add(connection.connectionId());
      }
    };
    List<Integer> fast = new ArrayList<>();
    // 300 events of 4 KB: far more than the stalled socket's queue (64 KiB) and small socket buffers hold.
    int events = 300;
    Promise<WebSocket> fastSocket = Promise.promise();
    start(vertx, SlowBrowserTest.options(BridgeOptions.SlowConsumerPolicy.drop), observer, BridgeSockets.Listener.NONE).onComplete(ctx.succeeding(bridge -> {
      subscribe(vertx, "fan.slow", frame -> {
        int n = BridgeTestServer.payload(frame).getInteger("n");
        fast.add(n);
        if (n == events - 1) {
          ctx.verify(() -> {
            assertThat(fast).as("every event, in order, none dropped").isEqualTo(range(events));
            assertThat(droppedFor).as("events were dropped for the socket that stopped reading").isNotEmpty();
            assertThat(droppedFor).as("for that socket only").containsOnly(droppedFor.get(0));
          });
          ctx.completeNow();
        } else {
          // One event at a time for the reading socket: its queue never fills, the stalled one's does.
          publishNumbered(vertx, "fan.slow", n + 1, n + 2);
        }
      }).onComplete(fastSocket);
      fastSocket.future().compose(socket -> subscribe(vertx, "fan.slow", frame -> { }))
          .onComplete(ctx.succeeding(slow -> {
            slow.pause();
            publishNumbered(vertx, "fan.slow", 0, 1);
          }));
    }));
  }

  private static Future<BrowserBridge> start(Vertx vertx, BridgeOptions options) {
    return start(vertx, options, BridgeObserver.NONE, BridgeSockets.Listener.NONE);
  }

  /** A bridge on its own server; small socket buffers, so a socket that stops reading fills the bridge's queue soon. */
  private static Future<BrowserBridge> start(Vertx vertx, BridgeOptions options, BridgeObserver observer, BridgeSockets.Listener listener) {
    return Authenticator.create(vertx, new AuthOptions()).compose(auth -> {
      Router router = Router.router(vertx);
      BrowserBridge bridge = BrowserRoutes.mount(router, vertx, auth, options, observer, listener);
      client = vertx.createWebSocketClient(new WebSocketClientOptions().setReceiveBufferSize(4096));
      return vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(4096)).requestHandler(router).listen(0, "127.0.0.1").map(server -> {
        port = server.actualPort();
        return bridge;
      });
    });
  }

  private static int port;

  /**
   * Connects a raw bridge WebSocket that registers on {@code topic}; completes once a probe published
   * there reached it. Frames of events with a number {@code n} or a {@code marker} go to {@code frames}.
   */
  private static Future<WebSocket> subscribe(Vertx vertx, String topic, Consumer<JsonObject> frames) {
    return client.connect(port, "127.0.0.1", "/eventbus/websocket").compose(ws -> {
      Map<String, Promise<Void>> probes = new HashMap<>();
      ws.binaryMessageHandler(data -> {
        JsonObject frame = data.toJsonObject();
        if (!(frame.getValue("body") instanceof JsonObject event) || !(event.getValue("payload") instanceof JsonObject body)) {
          return;
        }
        if (body.getValue("probe") instanceof String probed && probes.containsKey(probed)) {
          probes.get(probed).tryComplete();
        } else if (body.containsKey("n") || body.containsKey("marker")) {
          frames.accept(frame);
        }
      });
      sockets.put(ws, probes);
      return registered(vertx, ws, topic).map(ws);
    });
  }

  /** Per socket, the topics it registers on and whether a probe on each reached it. */
  private static final Map<WebSocket, Map<String, Promise<Void>>> sockets = new java.util.concurrent.ConcurrentHashMap<>();

  /** Registers {@code socket} (one that {@link #subscribe} connected) on {@code topic}; completes once a probe published there reached it. */
  private static Future<Void> registered(Vertx vertx, WebSocket socket, String topic) {
    Promise<Void> probed = Promise.promise();
    sockets.get(socket).put(topic, probed);
    socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "feedbus.topic." + topic).encode());
    long probe = vertx.setPeriodic(20, id -> BridgeTestServer.feed(vertx, topic, new JsonObject().put("probe", topic)));
    return probed.future().onComplete(ar -> vertx.cancelTimer(probe));
  }

  static void publishNumbered(Vertx vertx, String topic, int from, int to) {
    SlowBrowserTest.publishNumbered(vertx, topic, from, to);
  }

  static List<Integer> range(int to) {
    return SlowBrowserTest.range(0, to);
  }
}
