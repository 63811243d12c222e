package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A replay longer than the broker's largest history page follows next to the end (SSE and the Java client alike). */
@ExtendWith(VertxExtension.class)
class StreamReplayPagingTest {

  @Test
  void aStreamFromTheStartOfATopicLongerThanOnePageGetsEveryEventThenLiveOnes(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = startWithPagesOf100(vertx, dir);
    HttpClient client = vertx.createHttpClient();
    try {
      FeedbusClient feedbus = FeedbusClient.create(vertx);
      List<String> published = publish600(feedbus);
      List<String> ids = new CopyOnWriteArrayList<>();
      Promise<Void> opened = Promise.promise();
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.httpPort())
              .setURI("/topics/paged/stream?after=0000000000000-000000-00000000"))
          .compose(request -> request.send())
          .onSuccess(response -> {
            response.handler(RecordParser.newDelimited("\n\n", block -> {
              for (String line : block.toString().split("\n")) {
                if (line.startsWith("id: ")) {
                  ids.add(line.substring(4));
                }
              }
            }));
            opened.complete();
          })
          .onFailure(opened::fail);
      await(opened.future());
      await(Waits.until(vertx, () -> ids.size() >= 600));
      published.add(await(feedbus.publish("paged", 600)).cursor());
      await(Waits.until(vertx, () -> ids.size() >= 601));
      await(vertx.timer(200));
      assertThat(ids).containsExactlyElementsOf(published);
    } finally {
      await(client.close());
      await(node.close());
    }
  }

  @Test
  void aJavaSubscriptionFromTheStartOfATopicLongerThanOnePageGetsEveryEventThenLiveOnes(Vertx vertx, @TempDir Path dir)
      throws Exception {
    // The client asks for pages of 500; the broker answers at most 100: a short page is not the end, no next is.
    Feedbus node = startWithPagesOf100(vertx, dir);
    try {
      FeedbusClient feedbus = FeedbusClient.create(vertx);
      List<String> published = publish600(feedbus);
      List<String> ids = new CopyOnWriteArrayList<>();
      Subscription subscription = await(feedbus.subscribe("paged", "0000000000000-000000-00000000",
          event -> ids.add(event.cursor().value())));
      await(Waits.until(vertx, () -> subscription.live() && ids.size() >= 600));
      published.add(await(feedbus.publish("paged", 600)).cursor());
      await(Waits.until(vertx, () -> ids.size() >= 601));
      assertThat(ids).containsExactlyElementsOf(published);
      await(subscription.cancel());
    } finally {
      await(node.close());
    }
  }


  /** A node whose history pages hold at most 100 events. */
  private static Feedbus startWithPagesOf100(Vertx vertx, Path dir) throws Exception {
    return await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject()
        .put("history", new JsonObject().put("defaultLimit", 100).put("maxLimit", 100)))));
  }

  /** Six pages' worth of events on {@code paged}; their cursors in publish order. */
  private static List<String> publish600(FeedbusClient feedbus) throws Exception {
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      published.add(await(feedbus.publish("paged", i)).cursor());
    }
    return published;
  }
}
