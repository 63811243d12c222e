package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.FeedbusException;
import io.feedbus.store.ConnectionStore;
import io.feedbus.store.embedded.EmbeddedConnectionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The registry verticle on the event bus, over one embedded store shared by two "nodes" (two
 * registry verticles with different serverIds on two Vert.x instances, as two nodes sharing RethinkDB are).
 */
@ExtendWith(VertxExtension.class)
class ConnectionRegistryTest {

  Vertx vertxB;
  ConnectionStore store;
  PresenceOptions options;
  ConnectionRegistryVerticle nodeA;

  @BeforeEach
  void open(Vertx vertx) throws Exception {
    store = await(EmbeddedConnectionStore.open(vertx, null));
    options = new PresenceOptions();
    options.sweepIntervalMillis = 50;
    options.clientConnectionExpirationMillis = 10_000;
    options.heartbeatIntervalMillis = 100;
    options.streamLeaseMillis = 60_000;
    options.priorities.put("mallory", Priority.BANNED);
  }

  @AfterEach
  void close() throws Exception {
    if (vertxB != null) {
      await(vertxB.close());
    }
    await(store.close());
  }

  private void deployA(Vertx vertx) throws Exception {
    nodeA = new ConnectionRegistryVerticle(store, "node-a", options, PresenceObserver.NONE);
    await(vertx.deployVerticle(nodeA));
  }

  private JsonObject request(Vertx vertx, String address, JsonObject body) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(address, body)).body();
  }

  private FeedbusException refusal(Vertx vertx, String address, JsonObject body) throws Exception {
    Throwable t = vertx.eventBus().request(address, body).toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(30, TimeUnit.SECONDS);
    return FeedbusException.from(t);
  }

  @Test
  void countByServerAnswersOneRowPerNodeOfTheSharedStore(Vertx vertx) throws Exception {
    deployA(vertx);
    vertxB = Vertx.vertx();
    await(vertxB.deployVerticle(new ConnectionRegistryVerticle(store, "node-b", options, PresenceObserver.NONE)));
    request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "alice"));
    request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "bob"));
    request(vertxB, PresenceAddresses.UPSERT, new JsonObject().put("uid", "alice"));
    JsonObject counts = request(vertx, PresenceAddresses.COUNT_BY_SERVER, new JsonObject());
    assertThat(counts.getJsonArray("counts")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("serverId", "node-a").put("count", 2))
        .add(new JsonObject().put("serverId", "node-b").put("count", 1)));
    assertThat(request(vertxB, PresenceAddresses.COUNT_BY_UID, new JsonObject().put("uid", "alice")).getLong("count")).isEqualTo(2);
  }

  @Test
  void aRegisteredConnectionCarriesConfiguredAndClientFields(Vertx vertx) throws Exception {
    options.additionalFields.put("region", "eu");
    deployA(vertx);
    JsonObject record = request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("connectionId", "c1").put("uid", "alice")
        .put("transport", "sockjs").put("fields", new JsonObject().put("device", "phone").put("region", "us")));
    assertThat(record.getString("serverId")).isEqualTo("node-a");
    assertThat(record.getJsonObject("fields")).isEqualTo(new JsonObject().put("device", "phone").put("region", "eu"));
    JsonObject listed = request(vertx, PresenceAddresses.LIST, new JsonObject().put("transport", "sockjs"));
    assertThat(listed.getJsonArray("connections")).hasSize(1);
    assertThat(request(vertx, PresenceAddresses.REMOVE, new JsonObject().put("connectionId", "c1")).getBoolean("removed")).isTrue();
    assertThat(request(vertx, PresenceAddresses.LIST, new JsonObject()).getJsonArray("connections")).isEmpty();
  }

  @Test
  void aBannedUidIsRefusedAndTheRefusalIsPublished(Vertx vertx, VertxTestContext test) throws Exception {
    deployA(vertx);
    Checkpoint published = test.checkpoint();
    vertx.eventBus().<JsonObject>consumer(PresenceAddresses.ERRORS, m -> test.verify(() -> {
      assertThat(m.body().getString("uid")).isEqualTo("mallory");
      assertThat(m.body().getString("connectionId")).isEqualTo("m1");
      assertThat(m.body().getString("error")).isEqualTo("banned");
      published.flag();
    })).completion().onComplete(test.succeeding(v -> {
      vertx.eventBus().request(PresenceAddresses.UPSERT, new JsonObject().put("connectionId", "m1").put("uid", "mallory"))
          .onComplete(test.failing(e -> test.verify(() -> {
            assertThat(FeedbusException.from(e).status()).isEqualTo(403);
            assertThat(FeedbusException.from(e).code()).isEqualTo("banned");
          })));
    }));
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aBannedUidIsRefusedAStream(Vertx vertx) throws Exception {
    deployA(vertx);
    JsonObject answer = request(vertx, PresenceAddresses.ACQUIRE, new JsonObject().put("uid", "mallory"));
    assertThat(answer).isEqualTo(new JsonObject("{\"result\":\"success\",\"uid\":\"mallory\",\"canStream\":false,\"streamCount\":0}"));
  }

  @Test
  void banningAtRunTimeClosesTheUidsConnections(Vertx vertx, VertxTestContext test) throws Exception {
    deployA(vertx);
    ConnectionHandle handle = await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "eve"),
        order -> test.verify(() -> {
          assertThat(order.getString("reason")).isEqualTo("banned");
          test.completeNow();
        })));
    assertThat(handle.record().getString("priority")).isEqualTo("MEDIUM");
    request(vertx, PresenceAddresses.BAN, new JsonObject().put("uid", "eve"));
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    assertThat(refusal(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "eve")).code()).isEqualTo("banned");
  }

  @Test
  void theLifetimeClosesAConnectionButNotALongTermOne(Vertx vertx, VertxTestContext test) throws Exception {
    options.connectionLifetimeMillis = 200;
    deployA(vertx);
    List<String> closed = new ArrayList<>();
    await(ConnectionHandle.register(vertx, new JsonObject().put("connectionId", "long").put("uid", "u").put("longTerm", true),
        order -> closed.add("long")));
    await(ConnectionHandle.register(vertx, new JsonObject().put("connectionId", "short").put("uid", "u"),
        order -> test.verify(() -> {
          assertThat(order.getString("reason")).isEqualTo("lifetime_expired");
          closed.add("short");
          test.completeNow();
        })));
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    // Let a few more sweeps pass (each sweep is an event: wait for two of them, not for time).
    await(nodeA.registry().sweep());
    await(nodeA.registry().sweep());
    assertThat(closed).containsExactly("short");
    JsonObject listed = request(vertx, PresenceAddresses.LIST, new JsonObject());
    assertThat(listed.getJsonArray("connections")).extracting(o -> ((JsonObject) o).getString("connectionId")).containsExactly("long");
  }

  @Test
  void connectionsThatStopHeartbeatingExpireAndGiveTheirStreamsBack(Vertx vertx, VertxTestContext test) throws Exception {
    options.streamLimitPerUid = 1;
    options.clientConnectionExpirationMillis = 400;
    deployA(vertx);
    // A connection of a node that died: registered, holding a bound slot, never heartbeating again.
    request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("connectionId", "ghost").put("uid", "viewer"));
    assertThat(request(vertx, PresenceAddresses.ACQUIRE, new JsonObject().put("uid", "viewer").put("connectionId", "ghost"))
        .getBoolean("canStream")).isTrue();
    assertThat(request(vertx, PresenceAddresses.ACQUIRE, new JsonObject().put("uid", "viewer")).getBoolean("canStream")).isFalse();
    MessageConsumer<JsonObject> orders = vertx.eventBus().consumer(PresenceAddresses.close("ghost"));
    orders.handler(m -> test.verify(() -> {
      assertThat(m.body().getString("reason")).isEqualTo("expired");
      test.completeNow();
    }));
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    await(nodeA.registry().sweep());
    JsonObject again = request(vertx, PresenceAddresses.ACQUIRE, new JsonObject().put("uid", "viewer"));
    assertThat(again.getBoolean("canStream")).isTrue();
    assertThat(again.getInteger("streamCount")).isEqualTo(1);
  }

  @Test
  void heartbeatsKeepAConnectionAlivePastTheExpiration(Vertx vertx) throws Exception {
    options.clientConnectionExpirationMillis = 400;
    deployA(vertx);
    ConnectionHandle handle = await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "u"), order -> { }));
    // Sweeps run every 50 ms with a 400 ms expiration; wait for enough sweeps to have passed it.
    for (int i = 0; i < 12; i++) {
      await(Future.future(p -> vertx.setTimer(50, id -> p.complete())));
      await(nodeA.registry().sweep());
    }
    assertThat(handle.closed()).isFalse();
    assertThat(request(vertx, PresenceAddresses.COUNT_BY_UID, new JsonObject().put("uid", "u")).getLong("count")).isEqualTo(1);
    await(handle.close());
    assertThat(request(vertx, PresenceAddresses.COUNT_BY_UID, new JsonObject().put("uid", "u")).getLong("count")).isZero();
  }

  @Test
  void atTheCapAHighConnectionDisplacesTheOldestLowOneAndOthersAreRefused(Vertx vertx, VertxTestContext test) throws Exception {
    options.nodeConnectionCap = 2;
    options.priorities.put("vip", Priority.HIGH);
    options.priorities.put("cheap", Priority.LOW);
    deployA(vertx);
    await(ConnectionHandle.register(vertx, new JsonObject().put("connectionId", "low1").put("uid", "cheap"), order -> test.verify(() -> {
      assertThat(order.getString("reason")).isEqualTo("displaced");
      test.completeNow();
    })));
    await(ConnectionHandle.register(vertx, new JsonObject().put("connectionId", "mid").put("uid", "someone"), order -> test.failNow("closed mid")));
    FeedbusException full = refusal(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "someone-else"));
    assertThat(full.status()).isEqualTo(503);
    assertThat(full.code()).isEqualTo("node_full");
    request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("connectionId", "vip1").put("uid", "vip"));
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    assertThat(refusal(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "vip")).code()).isEqualTo("node_full");
    // The cap changes at run time.
    request(vertx, PresenceAddresses.CAP, new JsonObject().put("cap", 3));
    assertThat(request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "someone-else")).getString("serverId")).isEqualTo("node-a");
  }

  @Test
  void aDrainingNodeRefusesNewConnectionsAndMayCloseItsOwn(Vertx vertx, VertxTestContext test) throws Exception {
    deployA(vertx);
    await(ConnectionHandle.register(vertx, new JsonObject().put("uid", "u"), order -> test.verify(() -> {
      assertThat(order.getString("reason")).isEqualTo("draining");
      test.completeNow();
    })));
    request(vertx, PresenceAddresses.ACCEPTING, new JsonObject().put("accepting", false).put("closeExisting", true));
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    FeedbusException draining = refusal(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "u"));
    assertThat(draining.code()).isEqualTo("draining");
    request(vertx, PresenceAddresses.ACCEPTING, new JsonObject().put("accepting", true));
    request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "u"));
  }

  @Test
  void twoHundredConcurrentAcquiresOnTwoNodesAdmitExactlyTheLimit(Vertx vertx) throws Exception {
    deployA(vertx);
    vertxB = Vertx.vertx();
    await(vertxB.deployVerticle(new ConnectionRegistryVerticle(store, "node-b", options, PresenceObserver.NONE)));
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Vertx through = i % 2 == 0 ? vertx : vertxB;
      answers.add(through.eventBus().<JsonObject>request(PresenceAddresses.ACQUIRE, new JsonObject().put("uid", "viewer")).map(m -> m.body()));
    }
    await(Future.all(answers));
    assertThat(answers.stream().filter(f -> f.result().getBoolean("canStream")).count()).isEqualTo(3);
    assertThat(answers.stream().map(f -> f.result().getInteger("streamCount"))).allMatch(n -> n >= 0 && n <= 3);
    assertThat(request(vertx, PresenceAddresses.STATE, new JsonObject().put("uid", "viewer")).getInteger("streamCount")).isEqualTo(3);
  }

  @Test
  void badRequestsAreCodedRepliesAndTheRegistryKeepsServing(Vertx vertx) throws Exception {
    deployA(vertx);
    assertThat(refusal(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "a#b")).code()).isEqualTo("invalid_uid");
    assertThat(refusal(vertx, PresenceAddresses.HEARTBEAT, new JsonObject().put("connectionId", "nope")).code()).isEqualTo("unknown_connection");
    assertThat(refusal(vertx, PresenceAddresses.CAP, new JsonObject().put("cap", -1)).status()).isEqualTo(400);
    assertThat(request(vertx, PresenceAddresses.UPSERT, new JsonObject().put("uid", "fine")).getString("uid")).isEqualTo("fine");
  }
}
