package io.feedbus.cluster;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Ack;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clustered mode: a broker started with {@code cluster.enabled} joins Hazelcast on loopback (the
 * shipped conf/cluster.xml), and a service on another cluster member publishes, replays and
 * receives live events through the clustered event bus.
 */
class ClusteredNodeTest {

  @TempDir
  Path dir;

  @Test
  void aServiceOnAnotherClusterMemberPublishesReplaysAndReceivesLiveEvents() throws Exception {
    Path clusterConfig = TestNodes.clusterConfig(dir);
    FeedbusOptions options = TestNodes.options(dir, new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("configFile", clusterConfig.toString())));
    Feedbus broker = await(Feedbus.start(options));
    Vertx member = null;
    try {
      assertThat(broker.vertx().isClustered()).isTrue();
      member = TestNodes.clusterMember(clusterConfig);
      FeedbusClient client = FeedbusClient.create(member);
      // The broker's node id is the Hazelcast member id when none is configured.
      assertThat(broker.nodeId()).isEqualTo(((io.vertx.core.internal.VertxInternal) broker.vertx()).clusterManager().getNodeId());

      Ack first = await(client.publish("clustered", "before"));
      await(client.publish("clustered", "missed"));
      List<Object> received = Collections.synchronizedList(new ArrayList<>());
      Subscription subscription = await(client.subscribe("clustered", first.cursor(), e -> received.add(e.payload())));
      await(client.publish("clustered", "live"));
      long deadline = System.currentTimeMillis() + 20_000;
      while (received.size() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(received).containsExactly("missed", "live");
      await(subscription.cancel());
    } finally {
      if (member != null) {
        await(member.close());
      }
      await(broker.close());
    }
  }
}
