package io.feedbus.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Event;
import io.feedbus.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load on one node, through the real entries: {@value #PUBLISHERS} concurrent HTTP publishers,
 * {@value #EVENTS} events of about 256 bytes; a live SSE subscriber must get every acknowledged
 * event once, in cursor order, and a Java-client subscriber that leaves every
 * {@value #RESUME_EVERY} events and resumes from its last cursor must end with the same sequence.
 * Counts and order are asserted, never durations. Each engine's test says how to configure it.
 */
public abstract class PublishLoadContract {

  static final int PUBLISHERS = 32;
  static final int EVENTS = 20_000;
  static final int RESUME_EVERY = 5_000;
  private static final String TOPIC = "load";

  private Vertx vertx;
  private Feedbus node;

  /** The node's configuration: HTTP on a random loopback port plus the engine. */
  protected abstract FeedbusOptions options() throws Exception;

  /** Cleans up after the node closed. */
  protected void cleanUp() throws Exception {
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      await(node.close());
    }
    if (vertx != null) {
      await(vertx.close());
    }
    cleanUp();
  }

  @Test
  void everyAcknowledgedEventReachesEverySubscriberOnceInCursorOrder() throws Exception {
    FeedbusOptions options = options();
    vertx = Vertx.vertx();
    node = await(Feedbus.start(vertx, options));
    int port = node.httpPort();

    SseSubscriber sse = new SseSubscriber(vertx, port);
    await(sse.open());
    ResumingSubscriber resuming = new ResumingSubscriber(FeedbusClient.create(vertx));
    await(resuming.start());

    List<String> acked = await(publish(port));
    assertThat(acked).hasSize(EVENTS);
    List<String> expected = acked.stream().sorted().collect(Collectors.toList());

    try {
      await(sse.received(EVENTS));
      await(resuming.received(EVENTS));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("not everything arrived: SSE " + sse.cursors.size() + ", resuming " + resuming.cursors.size()
          + " of " + EVENTS + " (" + resuming.resumes + " resumes); delivered by the feed: "
          + node.metrics().registry().find("feedbus.events.delivered").counter().count(), e);
    }
    await(vertx.timer(300)); // a duplicate arriving late would show here
    assertThat(sse.cursors).as("SSE subscriber: every acknowledged event once, in cursor order")
        .hasSize(EVENTS).containsExactlyElementsOf(expected);
    assertThat(resuming.cursors).as("resuming subscriber: the same sequence across " + resuming.resumes + " resumes")
        .hasSize(EVENTS).containsExactlyElementsOf(expected);
    assertThat(resuming.resumes).isGreaterThanOrEqualTo(EVENTS / RESUME_EVERY - 1);
    sse.close();
    await(resuming.stop());
  }

  private Future<List<String>> publish(int port) {
    WebClient web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(PUBLISHERS));
    List<String> acked = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    String pad = "x".repeat(200);
    List<Future<Void>> loops = new ArrayList<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      loops.add(publishLoop(web, next, pad, acked));
    }
    return Future.all(loops).map(v -> acked).eventually(() -> {
      web.close();
      return Future.succeededFuture();
    });
  }

  /** One publisher: one request in flight, until the shared count is reached; failures fail the test. */
  private Future<Void> publishLoop(WebClient web, AtomicInteger next, String pad, List<String> acked) {
    int n = next.getAndIncrement();
    if (n >= EVENTS) {
      return Future.succeededFuture();
    }
    JsonObject body = new JsonObject().put("payload", new JsonObject().put("n", n).put("pad", pad));
    return web.post("/topics/" + TOPIC + "/events").sendJsonObject(body).compose(response -> {
      if (response.statusCode() != 201) {
        return Future.failedFuture("publish " + n + " answered " + response.statusCode() + ": " + response.bodyAsString());
      }
      acked.add(response.bodyAsJsonObject().getString("cursor"));
      return publishLoop(web, next, pad, acked);
    });
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
  }

  /** Reads {@code GET /topics/load/stream} as server-sent events and keeps each event's id. */
  private static final class SseSubscriber {
    final List<String> cursors = Collections.synchronizedList(new ArrayList<>());
    private final Vertx vertx;
    private final int port;
    private final HttpClient client;
    private final Promise<Void> opened = Promise.promise();

    SseSubscriber(Vertx vertx, int port) {
      this.vertx = vertx;
      this.port = port;
      this.client = vertx.createHttpClient(new HttpClientOptions().setIdleTimeout(0));
    }

    Future<Void> open() {
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI("/topics/" + TOPIC + "/stream"))
          .compose(request -> request.send())
          .onSuccess(response -> {
            RecordParser events = RecordParser.newDelimited("\n\n", this::onEvent);
            response.handler(events);
            opened.tryComplete();
          })
          .onFailure(opened::tryFail);
      return opened.future();
    }

    private void onEvent(Buffer block) {
      for (String line : block.toString().split("\n")) {
        if (line.startsWith("id: ")) {
          cursors.add(line.substring(4));
        }
      }
    }

    Future<Void> received(int count) {
      return Waits.until(vertx, () -> cursors.size() >= count);
    }

    void close() {
      client.close();
    }
  }

  /** A Java-client subscription that cancels itself every {@value #RESUME_EVERY} events and resumes from its last cursor. */
  private final class ResumingSubscriber {
    final List<String> cursors = Collections.synchronizedList(new ArrayList<>());
    private final FeedbusClient client;
    private Subscription subscription;
    private volatile String last;
    int resumes;

    ResumingSubscriber(FeedbusClient client) {
      this.client = client;
    }

    Future<Void> start() {
      return subscribe(null);
    }

    private Future<Void> subscribe(String from) {
      int[] seen = {0};
      return client.subscribe(TOPIC, from, event -> onEvent(event, seen)).map(s -> {
        subscription = s;
        return null;
      });
    }

    private void onEvent(Event event, int[] seen) {
      cursors.add(event.cursor().value());
      last = event.cursor().value();
      if (++seen[0] == RESUME_EVERY) {
        Subscription leaving = subscription;
        String from = last;
        resumes++;
        // Leave, let events pass meanwhile, then come back after the last cursor seen.
        leaving.cancel().compose(v -> vertx.timer(50)).compose(v -> subscribe(from))
            .onFailure(e -> cursors.add("resume failed: " + e));
      }
    }

    Future<Void> received(int count) {
      return Waits.until(vertx, () -> cursors.size() >= count);
    }

    Future<Void> stop() {
      return subscription == null ? Future.succeededFuture() : subscription.cancel();
    }
  }

}
