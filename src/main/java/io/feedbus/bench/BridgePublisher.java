package io.feedbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One publisher over the bridge (or a peer speaking its frames): a {@code send} to
 * {@code feedbus.publish} with a reply address, the next once the reply came.
 */
final class BridgePublisher {
  /** Set once connected; its frames go to {@link #answer}. */
  WebSocket socket;
  // The first publish of a loop is sent from the bench's thread, the answers arrive on the socket's.
  private volatile Promise<Void> waiting;
  private volatile int sequence;

  Future<Void> publish(String topic, Object payload) {
    // The answer may come (and clear waiting) before this method returns.
    Promise<Void> promise = Promise.promise();
    int next = sequence + 1;
    sequence = next;
    waiting = promise;
    socket.writeTextMessage(new JsonObject().put("type", "send").put("address", "feedbus.publish")
        .put("replyAddress", "r" + next).put("body", new JsonObject().put("topic", topic).put("payload", payload)).encode());
    return promise.future();
  }

  void answer(JsonObject frame) {
    Promise<Void> w = waiting;
    if (w != null && "feedbus.bridge.closing".equals(frame.getString("address"))) {
      closed("the bridge closes the publisher's socket: " + frame.getValue("body"));
      return;
    }
    if (w != null && "closed".equals(frame.getString("type"))) {
      closed("the publisher's socket closed"); // what EndToEndBench's sockets report when they close
      return;
    }
    if (w == null || !("r" + sequence).equals(frame.getString("address"))) {
      return;
    }
    waiting = null;
    if ("err".equals(frame.getString("type"))) {
      w.fail("publish refused: " + frame.encode());
    } else {
      w.complete();
    }
  }

  /** The socket closed (or is closing): the publish waiting for its reply fails with {@code why}. */
  void closed(String why) {
    Promise<Void> w = waiting;
    waiting = null;
    if (w != null) {
      w.tryFail(why);
    }
  }

  void loop(String topic, AtomicInteger next, int total, Latencies acks, Promise<Void> done) {
    EndToEndBench.publishLoop(this::publish, topic, next, total, acks, done);
  }
}
