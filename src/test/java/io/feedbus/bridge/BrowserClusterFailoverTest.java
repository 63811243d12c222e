package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.testing.BrokerCluster;
import io.feedbus.testing.BrokerProcess;
import io.feedbus.testing.HttpPublishers;
import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.testing.TcpProxy;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A browser reaches a three-node cluster through a load balancer (a TCP proxy here), which sends it
 * to node 2. Node 2 is killed with -9 while nodes 1 and 3 take publishes; the balancer sends new
 * connections to node 3. feedbus.js reconnects through the balancer and resumes from the last cursor
 * it delivered: the browser ends with every acknowledged event once, in cursor order.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BrowserClusterFailoverTest {

  private static final int EVENTS = 1_200;
  private static final String TOPIC = "failover";

  @TempDir
  Path dir;
  private BrokerCluster cluster;
  private Vertx vertx;
  private TcpProxy balancer;
  private HeadlessChromium chromium;

  @AfterEach
  void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    if (balancer != null) {
      await(balancer.close());
    }
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void aBrowserBehindABalancerResumesOnAnotherNodeWhenItsNodeIsKilled() throws Exception {
    RethinkDbTesting.assumeServer();
    chromium = HeadlessChromium.startOrSkip();
    cluster = BrokerCluster.start(dir, 3);
    List<BrokerProcess> nodes = cluster.nodes();
    vertx = Vertx.vertx();
    balancer = await(TcpProxy.start(vertx, "127.0.0.1", nodes.get(1).port()));
    BarePage page = new BarePage(chromium, "http://127.0.0.1:" + balancer.port());
    page.openOnBroker(Map.of());
    page.subscribe(TOPIC, null);
    page.waitUntil(() -> page.live(TOPIC));

    WebClient http = WebClient.create(vertx);
    HttpPublishers publishers = new HttpPublishers(vertx, http, TOPIC, EVENTS)
        .startOn(nodes.get(0).port()).startOn(nodes.get(2).port());
    page.waitUntil(() -> page.delivered(TOPIC) >= 100, Duration.ofSeconds(60));
    balancer.retarget("127.0.0.1", nodes.get(2).port());
    nodes.get(1).kill();

    await(publishers.done());
    List<String> expected = publishers.ackedInCursorOrder();
    String last = expected.get(expected.size() - 1);
    page.waitUntil(() -> last.equals(page.lastDelivered(TOPIC)), Duration.ofSeconds(90));
    await(vertx.timer(500)); // a late duplicate would show here
    assertThat(page.events(TOPIC)).containsExactlyElementsOf(expected);
    http.close();
  }
}
