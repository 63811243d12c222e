package io.feedbus.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.presence.AdmissionSlot;
import io.feedbus.presence.ConnectionRecord;
import io.feedbus.presence.Priority;
import io.feedbus.presence.RuntimeSetting;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The behaviour every {@link ConnectionStore} engine must have; each engine's test says how to open a fresh store. */
@ExtendWith(VertxExtension.class)
public abstract class ConnectionStoreContract {

  protected ConnectionStore store;
  /** A second handle on the same data, as another node has (the same instance for an embedded engine). */
  protected ConnectionStore otherNode;
  protected final long now = System.currentTimeMillis();

  protected abstract Future<ConnectionStore> openStore(Vertx vertx);

  /** Another store on the same data, as a second node would open it. */
  protected abstract Future<ConnectionStore> openSecondNode(Vertx vertx);

  @BeforeEach
  void open(Vertx vertx) throws Exception {
    store = await(openStore(vertx));
    otherNode = await(openSecondNode(vertx));
  }

  @AfterEach
  void close() throws Exception {
    if (otherNode != null && otherNode != store) {
      await(otherNode.close());
    }
    if (store != null) {
      await(store.close());
    }
  }

  protected static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  protected ConnectionRecord connection(String id, String server, String uid, long seen) {
    return new ConnectionRecord(id, server, uid, "eventbus", seen, seen, Priority.MEDIUM, false, new JsonObject().put("k", "v"));
  }

  private AdmissionSlot slot(String uid, String server, long expiresAt) {
    return new AdmissionSlot(uid, 0, server, null, now, expiresAt);
  }

  @Test
  void anUpsertedConnectionReadsBackWithItsFields() throws Exception {
    ConnectionRecord c = connection("c1", "n1", "alice", now);
    await(store.upsert(c));
    assertThat(await(store.get("c1"))).isEqualTo(c);
  }

  @Test
  void upsertingAnExistingConnectionUpdatesItButKeepsConnectedAt() throws Exception {
    await(store.upsert(connection("c1", "n1", "alice", now - 5_000)));
    ConnectionRecord again = new ConnectionRecord("c1", "n1", "alice", "sockjs", now, now, Priority.HIGH, true, new JsonObject().put("k", 2));
    ConnectionRecord stored = await(store.upsert(again));
    assertThat(stored.connectedAt()).isEqualTo(now - 5_000);
    assertThat(await(store.get("c1"))).isEqualTo(stored);
    assertThat(stored.transport()).isEqualTo("sockjs");
    assertThat(stored.priority()).isEqualTo(Priority.HIGH);
  }

  @Test
  void aHeartbeatMovesLastSeenAndAnUnknownConnectionIsReported() throws Exception {
    await(store.upsert(connection("c1", "n1", "alice", now - 5_000)));
    assertThat(await(store.touch("c1", now))).isTrue();
    assertThat(await(store.get("c1")).lastSeen()).isEqualTo(now);
    assertThat(await(store.touch("nobody", now))).isFalse();
  }

  @Test
  void removeReturnsTheRemovedConnectionOnce() throws Exception {
    await(store.upsert(connection("c1", "n1", "alice", now)));
    assertThat(await(store.remove("c1")).connectionId()).isEqualTo("c1");
    assertThat(await(store.remove("c1"))).isNull();
    assertThat(await(store.get("c1"))).isNull();
  }

  @Test
  void countsByServerAcrossTwoNodesSeeOnlyLiveConnections() throws Exception {
    await(store.upsert(connection("a1", "node-a", "alice", now)));
    await(store.upsert(connection("a2", "node-a", "bob", now)));
    await(otherNode.upsert(connection("b1", "node-b", "alice", now)));
    await(otherNode.upsert(connection("b2", "node-b", "carol", now - 60_000)));
    assertThat(await(store.countByServer(now - 10_000))).isEqualTo(Map.of("node-a", 2L, "node-b", 1L));
    assertThat(await(otherNode.countByServer(now - 10_000))).isEqualTo(Map.of("node-a", 2L, "node-b", 1L));
  }

  @Test
  void listAndCountFilterByServerUidAndTransport() throws Exception {
    await(store.upsert(connection("a1", "node-a", "alice", now)));
    await(store.upsert(new ConnectionRecord("a2", "node-a", "alice", "sockjs", now + 1, now + 1, Priority.LOW, false, new JsonObject())));
    await(store.upsert(connection("b1", "node-b", "alice", now)));
    await(store.upsert(connection("b2", "node-b", "bob", now)));
    assertThat(await(store.count(new ConnectionFilter(null, "alice", null, now - 1)))).isEqualTo(3);
    assertThat(await(store.list(new ConnectionFilter("node-a", "alice", null, now - 1), 10)))
        .extracting(ConnectionRecord::connectionId).containsExactly("a1", "a2");
    assertThat(await(store.list(new ConnectionFilter(null, "alice", "sockjs", now - 1), 10)))
        .extracting(ConnectionRecord::connectionId).containsExactly("a2");
    assertThat(await(store.list(ConnectionFilter.all(now - 1), 2))).hasSize(2);
  }

  @Test
  void expireRemovesAndReturnsOnlyConnectionsNotSeenSince() throws Exception {
    await(store.upsert(connection("old", "n1", "alice", now - 20_000)));
    await(store.upsert(connection("new", "n1", "alice", now)));
    List<ConnectionRecord> expired = await(store.expire(now - 10_000));
    assertThat(expired).extracting(ConnectionRecord::connectionId).containsExactly("old");
    assertThat(await(store.get("old"))).isNull();
    assertThat(await(store.get("new"))).isNotNull();
  }

  @Test
  void twoHundredConcurrentClaimsForOneUidWithLimitThreeAdmitExactlyThree() throws Exception {
    List<Future<Integer>> claims = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      // Half the claimers come through the second node's store.
      ConnectionStore through = i % 2 == 0 ? store : otherNode;
      claims.add(through.claimSlot(slot("viewer", "n" + (i % 2), now + 60_000), 3, now));
    }
    await(Future.join(claims));
    long admitted = claims.stream().filter(f -> f.result() >= 0).count();
    assertThat(admitted).isEqualTo(3);
    assertThat(claims.stream().map(Future::result).filter(n -> n >= 0)).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(await(store.slots("viewer", now))).hasSize(3);
  }

  @Test
  void aReleasedSlotCanBeClaimedAgain() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(await(store.claimSlot(slot("u", "n1", now + 60_000), 3, now))).isEqualTo(i);
    }
    assertThat(await(store.claimSlot(slot("u", "n1", now + 60_000), 3, now))).isEqualTo(-1);
    assertThat(await(store.releaseSlot("u", null, now))).isTrue();
    assertThat(await(store.claimSlot(slot("u", "n1", now + 60_000), 3, now))).isGreaterThanOrEqualTo(0);
    assertThat(await(store.slots("u", now))).hasSize(3);
  }

  @Test
  void concurrentReleasesNeverTakeTheCountBelowZero() throws Exception {
    await(store.claimSlot(slot("u", "n1", now + 60_000), 3, now));
    await(store.claimSlot(slot("u", "n1", now + 60_000), 3, now));
    List<Future<Boolean>> releases = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      releases.add((i % 2 == 0 ? store : otherNode).releaseSlot("u", null, now));
    }
    await(Future.join(releases));
    assertThat(releases.stream().filter(Future::result).count()).isEqualTo(2);
    assertThat(await(store.slots("u", now))).isEmpty();
  }

  @Test
  void slotsOfOneUidDoNotCountForAnother() throws Exception {
    await(store.claimSlot(slot("ab", "n1", now + 60_000), 3, now));
    await(store.claimSlot(slot("a", "n1", now + 60_000), 3, now));
    assertThat(await(store.slots("a", now))).hasSize(1);
    assertThat(await(store.releaseSlot("a", null, now))).isTrue();
    assertThat(await(store.releaseSlot("a", null, now))).isFalse();
    assertThat(await(store.slots("ab", now))).hasSize(1);
  }

  @Test
  void aLapsedLeaseFreesItsSlotAtOnceAndIsSweptAway() throws Exception {
    for (int i = 0; i < 3; i++) {
      await(store.claimSlot(slot("u", "n1", now + 1_000), 3, now));
    }
    long later = now + 2_000;
    assertThat(await(store.slots("u", later))).isEmpty();
    assertThat(await(store.claimSlot(slot("u", "n1", later + 60_000), 3, later))).isEqualTo(0);
    assertThat(await(store.expireSlots(later))).isEqualTo(2);
    assertThat(await(store.slots("u", later))).hasSize(1);
  }

  @Test
  void renewingExtendsTheLeaseOfTheUidsStreams() throws Exception {
    await(store.claimSlot(slot("u", "n1", now + 1_000), 3, now));
    assertThat(await(store.renewSlots("u", now + 10_000, now))).isEqualTo(1);
    assertThat(await(store.slots("u", now + 5_000))).hasSize(1);
  }

  @Test
  void aSlotBoundToAConnectionLivesUntilTheConnectionLeavesTheRegistry() throws Exception {
    await(store.upsert(connection("c1", "dead-node", "u", now - 20_000)));
    AdmissionSlot bound = new AdmissionSlot("u", 0, "dead-node", "c1", now, AdmissionSlot.BOUND);
    assertThat(await(store.claimSlot(bound, 1, now))).isEqualTo(0);
    assertThat(await(store.expireSlots(now))).isZero();
    assertThat(await(store.claimSlot(slot("u", "n1", now + 60_000), 1, now))).isEqualTo(-1);
    // The node died: its connection expires, then the sweep gives the slot back.
    await(otherNode.expire(now - 10_000));
    assertThat(await(otherNode.expireSlots(now))).isEqualTo(1);
    assertThat(await(store.claimSlot(slot("u", "n1", now + 60_000), 1, now))).isEqualTo(0);
  }

  @Test
  void releaseWithAConnectionIdRemovesThatConnectionsSlot() throws Exception {
    await(store.upsert(connection("c1", "n1", "u", now)));
    await(store.claimSlot(new AdmissionSlot("u", 0, "n1", "c1", now, AdmissionSlot.BOUND), 3, now));
    await(store.claimSlot(slot("u", "n1", now + 60_000), 3, now));
    assertThat(await(store.releaseSlot("u", "c1", now))).isTrue();
    assertThat(await(store.slots("u", now))).extracting(AdmissionSlot::connectionId).containsExactly((String) null);
  }

  @Test
  void aSettingWrittenOnOneNodeIsReadOnAnotherForTheScopesAskedFor() throws Exception {
    await(store.putSetting(new RuntimeSetting(RuntimeSetting.ALL_NODES, "priority/mallory", "BANNED", now)));
    await(store.putSetting(new RuntimeSetting("node-a", "cap", 5, now)));
    await(store.putSetting(new RuntimeSetting("node-b", "accepting", false, now)));

    List<RuntimeSetting> forA = await(otherNode.settings(Set.of("node-a", RuntimeSetting.ALL_NODES)));

    assertThat(forA).containsExactlyInAnyOrder(new RuntimeSetting(RuntimeSetting.ALL_NODES, "priority/mallory", "BANNED", now),
        new RuntimeSetting("node-a", "cap", 5, now));
  }

  @Test
  void aSettingWrittenAgainReplacesTheOneOfTheSameScopeAndName() throws Exception {
    await(store.putSetting(new RuntimeSetting("node-a", "cap", 5, now)));
    await(otherNode.putSetting(new RuntimeSetting("node-a", "cap", 9, now + 1)));

    assertThat(await(store.settings(Set.of("node-a")))).containsExactly(new RuntimeSetting("node-a", "cap", 9, now + 1));
  }
}
