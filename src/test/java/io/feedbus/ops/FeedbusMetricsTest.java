package io.feedbus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.store.StoreStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The meters other features feed through plain methods: connections, admission, bridge drops and refusals, store notices. */
class FeedbusMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FeedbusMetrics metrics = new FeedbusMetrics(registry, false, "n1");

  @Test
  void liveConnectionsFollowOpensAndClosesAndNeverGoNegative() {
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionClosed();
    assertThat(registry.get("feedbus.connections.live").tag("node", "n1").gauge().value()).isEqualTo(1.0);
    metrics.connectionClosed();
    metrics.connectionClosed();
    assertThat(registry.get("feedbus.connections.live").gauge().value()).isZero();
  }

  @Test
  void admissionCountsAcceptsAndRefusalsByReason() {
    metrics.admissionAccepted("alice");
    metrics.admissionRefused("bob", "limit_reached");
    metrics.admissionRefused("eve", "banned");
    metrics.admissionRefused("bob", "limit_reached");
    assertThat(registry.get("feedbus.admission.accepted").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("feedbus.admission.refused").tag("reason", "limit_reached").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("feedbus.admission.refused").tag("reason", "banned").counter().count()).isEqualTo(1.0);
  }

  @Test
  void bridgeDropsAreCounted() {
    metrics.bridgeDropped(5);
    metrics.dropped(null, 2);
    assertThat(registry.get("feedbus.bridge.dropped").counter().count()).isEqualTo(7.0);
  }

  @Test
  void bridgeRefusalsAreCountedByCode() {
    metrics.refused(null, "forbidden");
    metrics.refused(null, "too_many_requests");
    metrics.refused(null, "forbidden");
    assertThat(registry.get("feedbus.bridge.refused").tag("node", "n1").tag("code", "forbidden").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("feedbus.bridge.refused").tag("code", "too_many_requests").counter().count()).isEqualTo(1.0);
  }

  @Test
  void aStalledFeedCountsAsADisconnectAndAStallAndAPlainDisconnectOnlyAsADisconnect() {
    metrics.status(StoreStatus.of(StoreStatus.State.CONNECTED, "rethinkdb", null));
    metrics.status(StoreStatus.of(StoreStatus.State.DISCONNECTED, "rethinkdb", StoreStatus.STALLED + "no heartbeats for 3000 ms"));
    assertThat(registry.get("feedbus.store.up").gauge().value()).isZero();
    metrics.status(StoreStatus.of(StoreStatus.State.RECONNECTED, "rethinkdb", null));
    metrics.status(StoreStatus.of(StoreStatus.State.DISCONNECTED, "rethinkdb", "connection closed"));
    assertThat(registry.get("feedbus.store.disconnects").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("feedbus.store.feed.stalls").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("feedbus.store.reconnects").counter().count()).isEqualTo(1.0);
  }

  @Test
  void closeRemovesTheNodesMetersFromASharedRegistry() {
    metrics.admissionRefused("bob", "banned");
    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
  }
}
