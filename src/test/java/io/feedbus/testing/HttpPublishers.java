package io.feedbus.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP publishers sharing one numbered sequence of events: each has one request in flight and
 * publishes a refused or failed event again (a node may be dying), so every number is acknowledged
 * exactly once. Collects the acknowledged cursors and the time of each ack.
 */
public final class HttpPublishers {

  private final Vertx vertx;
  private final WebClient http;
  private final String topic;
  private final int events;
  private final AtomicInteger next = new AtomicInteger();
  private final List<String> acked = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> ackTimes = Collections.synchronizedList(new ArrayList<>());
  private final List<Future<Void>> running = new ArrayList<>();

  public HttpPublishers(Vertx vertx, WebClient http, String topic, int events) {
    this.vertx = vertx;
    this.http = http;
    this.topic = topic;
    this.events = events;
  }

  /** Starts one more publisher, on the node listening on {@code port}. */
  public HttpPublishers startOn(int port) {
    running.add(publish(port));
    return this;
  }

  /** Completes when every event is acknowledged. */
  public Future<Void> done() {
    return Future.all(running).mapEmpty();
  }

  /** The acknowledged cursors, sorted: the order every subscriber must deliver them in. */
  public List<String> ackedInCursorOrder() {
    List<String> sorted = new ArrayList<>(acked);
    Collections.sort(sorted);
    return sorted;
  }

  /** System.nanoTime() of each ack. */
  public List<Long> ackTimes() {
    return List.copyOf(ackTimes);
  }

  /** The longest pause, in ms, between {@code since} (a System.nanoTime()) and the times after it. */
  public static long longestGapAfter(List<Long> times, long since) {
    List<Long> sorted = new ArrayList<>(times);
    Collections.sort(sorted);
    long longest = 0;
    long previous = since;
    for (long t : sorted) {
      if (t >= since) {
        longest = Math.max(longest, t - previous);
        previous = t;
      }
    }
    return longest / 1_000_000;
  }

  private Future<Void> publish(int port) {
    int n = next.getAndIncrement();
    if (n >= events) {
      return Future.succeededFuture();
    }
    return attempt(port, n).compose(v -> publish(port));
  }

  private Future<Void> attempt(int port, int n) {
    return http.post(port, "127.0.0.1", "/topics/" + topic + "/events")
        .sendJsonObject(new JsonObject().put("payload", new JsonObject().put("n", n)))
        .transform(ar -> {
          if (ar.succeeded() && ar.result().statusCode() == 201) {
            acked.add(ar.result().bodyAsJsonObject().getString("cursor"));
            ackTimes.add(System.nanoTime());
            return Future.succeededFuture();
          }
          return vertx.timer(20).compose(v -> attempt(port, n));
        });
  }
}
