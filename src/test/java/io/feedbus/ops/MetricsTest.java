package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.testing.TestNodes;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics}: Vert.x's own meters and feedbus's, moving with traffic. */
class MetricsTest {

  @TempDir
  Path dir;

  private static double value(String scrape, String metric) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(scrape);
    double sum = 0;
    boolean found = false;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
      found = true;
    }
    assertThat(found).as(metric + " in /metrics").isTrue();
    return sum;
  }

  @Test
  void feedbusAndVertxMetricsArePresentAndMoveWithTraffic() throws Exception {
    Feedbus node = await(Feedbus.start(TestNodes.options(dir)));
    WebClient http = WebClient.create(node.vertx());
    try {
      String before = await(http.get(node.httpPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
      double published = value(before, "feedbus_events_published_total");
      double delivered = value(before, "feedbus_events_delivered_total");
      FeedbusClient client = FeedbusClient.create(node.vertx());
      for (int i = 0; i < 5; i++) {
        await(client.publish("metered", i));
      }
      String after = "";
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline) {
        after = await(http.get(node.httpPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
        if (value(after, "feedbus_events_delivered_total") >= delivered + 5) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(value(after, "feedbus_events_published_total")).isEqualTo(published + 5);
      assertThat(value(after, "feedbus_events_delivered_total")).isEqualTo(delivered + 5);
      assertThat(value(after, "feedbus_publish_latency_seconds_count")).isGreaterThanOrEqualTo(5);
      assertThat(value(after, "feedbus_feed_lag_seconds_count")).isGreaterThanOrEqualTo(5);
      assertThat(after).contains("feedbus_store_reconnects_total", "feedbus_admission_total", "feedbus_bridge_dropped_total",
          "feedbus_publish_latency_seconds_bucket");
      // Vert.x's own meters share the registry when feedbus created the Vert.x instance.
      assertThat(value(after, "vertx_http_server_requests_total")).isGreaterThan(0);
      assertThat(after).contains("vertx_eventbus_");
    } finally {
      http.close();
      await(node.close());
    }
  }
}
