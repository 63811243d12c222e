package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics}: feedbus's meters are there from the start and move with traffic. */
@ExtendWith(VertxExtension.class)
class MetricsTest {

  @TempDir
  Path dir;

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.E+-]+)$").matcher(scrape);
    assertThat(m.find()).as(series + " in\n" + scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void feedbusMetricsArePresentAndMoveAfterTraffic(Vertx vertx, VertxTestContext test) throws Exception {
    Feedbus node = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement())));
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    try {
      String tag = "{node=\"" + node.nodeId() + "\"}";
      String before = await(http.get("/metrics").send()).bodyAsString();
      assertThat(value(before, "feedbus_events_published_total" + tag)).isZero();
      assertThat(value(before, "feedbus_connections_live" + tag)).isZero();
      assertThat(value(before, "feedbus_store_up" + tag)).isEqualTo(1.0);

      // Three publishes over HTTP; wait until the feed delivered the third, then scrape.
      var delivered = test.checkpoint(3);
      vertx.eventBus().consumer("feedbus.topic.metered", m -> delivered.flag()).completion().toCompletionStage().toCompletableFuture().get();
      for (int i = 0; i < 3; i++) {
        HttpResponse<Buffer> ack = await(http.post("/topics/metered/events").sendJsonObject(new JsonObject().put("payload", i)));
        assertThat(ack.statusCode()).isEqualTo(201);
      }
      assertThat(test.awaitCompletion(10, TimeUnit.SECONDS)).isTrue();

      String after = await(http.get("/metrics").send()).bodyAsString();
      assertThat(value(after, "feedbus_events_published_total" + tag)).isEqualTo(3.0);
      assertThat(value(after, "feedbus_events_delivered_total" + tag)).isGreaterThanOrEqualTo(3.0);
      assertThat(value(after, "feedbus_publish_latency_seconds_count" + tag)).isEqualTo(3.0);
      assertThat(value(after, "feedbus_publish_batch_seconds_count" + tag)).isBetween(1.0, 3.0);
      assertThat(value(after, "feedbus_feed_lag_seconds_count" + tag)).isGreaterThanOrEqualTo(3.0);
      assertThat(after).contains("feedbus_publish_latency_seconds_bucket{node=\"" + node.nodeId() + "\",le=");
    } finally {
      http.close();
      await(node.close());
    }
  }

  @Test
  void aNodeThatStartsItsOwnVertxAlsoServesVertxMetrics() throws Exception {
    Feedbus node = await(Feedbus.start(TestNodes.options(dir, TestNodes.openManagement())));
    WebClient http = WebClient.create(node.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    try {
      await(http.get("/health").send());
      String scrape = await(http.get("/metrics").send()).bodyAsString();
      assertThat(scrape).contains("vertx_http_server_requests_total", "jvm_memory_used_bytes", "feedbus_events_published_total");
    } finally {
      http.close();
      await(node.close());
    }
  }
}
