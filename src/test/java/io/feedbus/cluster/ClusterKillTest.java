package io.feedbus.cluster;

import static io.feedbus.testing.TestNodes.await;
import static io.feedbus.testing.HttpPublishers.longestGapAfter;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Nodes;
import io.feedbus.presence.PresenceAddresses;
import io.feedbus.testing.BrokerCluster;
import io.feedbus.testing.BrokerProcess;
import io.feedbus.testing.HttpPublishers;
import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.testing.SseClient;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes clustered on one RethinkDB; two publishers over HTTP on node 1 and two on
 * node 3; SSE subscribers on all three and subscriptions of a cluster member without a broker, one
 * of them served by node 2; node 2 killed with -9 mid-run. Every subscriber ends with every
 * acknowledged event once, in cursor order (node 2's SSE subscriber resumes on node 3 with
 * Last-Event-ID, the member's subscription on another node by itself), and node 2's connections
 * leave the registry. The pauses the kill causes are measured and printed, not asserted.
 */
class ClusterKillTest {

  static final int EVENTS = 2_400;
  private static final String TOPIC = "kill";

  @TempDir
  Path dir;
  private BrokerCluster cluster;
  private Vertx member;

  @AfterEach
  void stop() throws Exception {
    if (member != null) {
      await(member.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everySubscriberHoldsEveryAcknowledgedEventOnceInOrderAfterANodeIsKilled() throws Exception {
    RethinkDbTesting.assumeServer();
    cluster = BrokerCluster.start(dir, 3, "--set", "presence.clientConnectionExpirationMillis=3000",
        "--set", "presence.sweepIntervalMillis=500", "--set", "presence.heartbeatIntervalMillis=500");
    List<BrokerProcess> nodes = cluster.nodes();
    member = TestNodes.clusterMember(cluster.clusterConfig());
    WebClient http = WebClient.create(member);

    List<SseClient> streams = new ArrayList<>();
    for (BrokerProcess node : nodes) {
      streams.add(await(SseClient.open(member, node.port(), TOPIC, null)));
    }
    // Subscriptions of the member without a broker: each is served by the node that took its attach
    // request. Subscribe until one is served by node 2 (the one killed), which must then resume on
    // another node by itself.
    String killedId = cluster.nodeId(1);
    List<List<String>> onMember = new ArrayList<>();
    List<Subscription> memberSubscriptions = new ArrayList<>();
    boolean servedByKilled = false;
    for (int i = 0; i < 9 && !servedByKilled; i++) {
      List<String> received = Collections.synchronizedList(new ArrayList<>());
      Subscription subscription = await(FeedbusClient.create(member).subscribe(TOPIC, null, e -> received.add(e.cursor().value())));
      onMember.add(received);
      memberSubscriptions.add(subscription);
      servedByKilled = await(http.get(nodes.get(0).port(), "127.0.0.1", "/connections").addQueryParam("serverId", killedId).send())
          .bodyAsJsonObject().getJsonArray("connections").stream()
          .anyMatch(c -> subscription.connectionId().equals(((JsonObject) c).getString("connectionId")));
    }
    assertThat(servedByKilled).as("a member subscription served by the node to be killed").isTrue();

    HttpPublishers publishers = new HttpPublishers(member, http, TOPIC, EVENTS);
    for (int node : new int[] {0, 0, 2, 2}) {
      publishers.startOn(nodes.get(node).port());
    }
    // A stream slot of uid "kill-user" bound to node 2's SSE connection, and two leased ones: the uid is at its limit (3).
    String[] sseOnNode2 = new String[1];
    Waits.poll(member, () -> {
      JsonArray found = await(http.get(nodes.get(0).port(), "127.0.0.1", "/connections")
          .addQueryParam("serverId", killedId).addQueryParam("transport", "sse").send()).bodyAsJsonObject().getJsonArray("connections");
      sseOnNode2[0] = found.isEmpty() ? null : found.getJsonObject(0).getString("connectionId");
      return sseOnNode2[0] != null;
    });
    JsonObject bound = (JsonObject) await(member.eventBus().request(Nodes.at(PresenceAddresses.ACQUIRE, killedId),
        new JsonObject().put("uid", "kill-user").put("connectionId", sseOnNode2[0]))).body();
    assertThat(bound.getBoolean("canStream")).as(bound.encode()).isTrue();
    for (int i = 0; i < 2; i++) {
      assertThat(canStream(http, nodes.get(0).port(), "kill-user")).isTrue();
    }
    assertThat(canStream(http, nodes.get(2).port(), "kill-user")).as("at the limit").isFalse();

    await(member.timer(1_500));
    nodes.get(1).kill();
    long killedAt = System.nanoTime();
    // Node 2's SSE subscriber resumes on node 3 after the last id it saw.
    await(streams.get(1).ended());
    SseClient resumed = await(SseClient.open(member, nodes.get(2).port(), TOPIC, streams.get(1).lastId()));

    await(publishers.done());
    List<String> expected = publishers.ackedInCursorOrder();
    String last = expected.get(expected.size() - 1);
    await(Waits.until(member, () -> streams.get(0).ids().contains(last) && streams.get(2).ids().contains(last)
        && resumed.ids().contains(last) && onMember.stream().allMatch(received -> received.contains(last))));
    await(member.timer(500)); // a late duplicate would show here

    assertThat(streams.get(0).ids()).as("SSE on node 1").containsExactlyElementsOf(expected);
    assertThat(streams.get(2).ids()).as("SSE on node 3").containsExactlyElementsOf(expected);
    List<String> node2 = new ArrayList<>(streams.get(1).ids());
    node2.addAll(resumed.ids());
    assertThat(node2).as("SSE on node 2, then resumed on node 3").containsExactlyElementsOf(expected);
    for (int i = 0; i < onMember.size(); i++) {
      assertThat(onMember.get(i)).as("subscription %d of a member without a broker%s", i,
          i == onMember.size() - 1 ? ", served by the killed node until the kill" : "").containsExactlyElementsOf(expected);
    }

    // Node 2's connections leave the registry (expiry plus a sweep), and the slot bound to one comes back.
    Waits.poll(member, () -> await(http.get(nodes.get(0).port(), "127.0.0.1", "/connections/count-by-server").send())
        .bodyAsJsonArray().stream().noneMatch(o -> killedId.equals(((JsonObject) o).getString("serverId"))));
    Waits.poll(member, () -> canStream(http, nodes.get(2).port(), "kill-user"));

    System.out.printf("ClusterKillTest: %d events; longest gap between acks after the kill %d ms; longest gap in"
            + " delivery on node 1 after the kill %d ms%n", expected.size(), longestGapAfter(publishers.ackTimes(), killedAt),
        longestGapAfter(streams.get(0).arrivals(), killedAt));
    for (Subscription subscription : memberSubscriptions) {
      await(subscription.cancel());
    }
    for (SseClient stream : streams) {
      await(stream.close());
    }
    await(resumed.close());
    http.close();
  }

  /** Asks node {@code port} for a stream slot of {@code uid} (over HTTP: a leased slot). */
  private static boolean canStream(WebClient http, int port, String uid) throws Exception {
    JsonObject answer = await(http.get(port, "127.0.0.1", "/canStream/" + uid).send()).bodyAsJsonObject();
    return answer.getBoolean("canStream");
  }
}
