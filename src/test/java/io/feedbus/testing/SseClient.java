package io.feedbus.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reads {@code GET /topics/<topic>/stream} as server-sent events: the ids it got, every block, and when it ended. */
public final class SseClient {

  private final HttpClient client;
  private final List<String> ids = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
  private final List<String> blocks = Collections.synchronizedList(new ArrayList<>());
  private final Promise<Void> ended = Promise.promise();

  private SseClient(Vertx vertx) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setIdleTimeout(0));
  }

  /** Opens the stream (with {@code Last-Event-ID} when given); completes once the response began. */
  public static Future<SseClient> open(Vertx vertx, int port, String topic, String lastEventId) {
    return openUri(vertx, port, "/topics/" + topic + "/stream", lastEventId);
  }

  /** Opens any event stream of the node at {@code port}, e.g. {@code /connections/events?uid=alice}. */
  public static Future<SseClient> openUri(Vertx vertx, int port, String uri, String lastEventId) {
    return openUri(vertx, port, uri, lastEventId, null);
  }

  /** As {@link #openUri(Vertx, int, String, String)}, with an {@code Authorization} header when {@code authorization} is not null. */
  public static Future<SseClient> openUri(Vertx vertx, int port, String uri, String lastEventId, String authorization) {
    SseClient sse = new SseClient(vertx);
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (lastEventId != null) {
      request.putHeader("Last-Event-ID", lastEventId);
    }
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return sse.client.request(request).compose(r -> r.send()).map(response -> {
      response.handler(RecordParser.newDelimited("\n\n", block -> sse.onBlock(block.toString())));
      response.endHandler(v -> sse.ended.tryComplete());
      response.exceptionHandler(e -> sse.ended.tryComplete());
      response.request().connection().closeHandler(v -> sse.ended.tryComplete());
      return sse;
    });
  }

  private void onBlock(String block) {
    blocks.add(block);
    for (String line : block.split("\n")) {
      if (line.startsWith("id: ")) {
        ids.add(line.substring(4));
        arrivals.add(System.nanoTime());
      }
    }
  }

  /** The event ids (cursors) received, in order. */
  public List<String> ids() {
    return ids;
  }

  /** The last id received, or null. */
  public String lastId() {
    synchronized (ids) {
      return ids.isEmpty() ? null : ids.get(ids.size() - 1);
    }
  }

  /** When each id arrived ({@link System#nanoTime()}), in order. */
  public List<Long> arrivals() {
    return arrivals;
  }

  public List<String> blocks() {
    return blocks;
  }

  /** The data of the events of type {@code type} received, in order, as JSON text. */
  public List<String> data(String type) {
    List<String> found = new ArrayList<>();
    synchronized (blocks) {
      for (String block : blocks) {
        if (block.contains("event: " + type + "\n")) {
          for (String line : block.split("\n")) {
            if (line.startsWith("data: ")) {
              found.add(line.substring(6));
            }
          }
        }
      }
    }
    return found;
  }

  /** Completes when the stream ended or its connection closed. */
  public Future<Void> ended() {
    return ended.future();
  }

  public Future<Void> close() {
    return client.close();
  }
}
