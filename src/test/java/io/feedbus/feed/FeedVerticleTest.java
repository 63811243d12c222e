package io.feedbus.feed;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.store.StoreStatus;
import io.feedbus.testing.NodeWithClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The feed: committed events reach {@code feedbus.topic.<topic>}; transient ones then leave the store. */
class FeedVerticleTest extends NodeWithClient {

  @Test
  void aPublishedEventIsDeliveredOnItsTopicAddress(Vertx vertx, VertxTestContext test) {
    vertx.eventBus().<JsonObject>consumer("feedbus.topic.orders", m -> test.verify(() -> {
      assertThat(m.body().getJsonObject("payload")).isEqualTo(new JsonObject().put("n", 7));
      assertThat(m.body().getString("origin")).isEqualTo(node.nodeId());
      test.completeNow();
    })).completion().compose(v -> client.publish("orders", new JsonObject().put("n", 7))).onFailure(test::failNow);
  }

  @Test
  void otherTopicsDoNotReachASubscriber(Vertx vertx, VertxTestContext test) {
    vertx.eventBus().<JsonObject>consumer("feedbus.topic.a", m -> test.verify(() -> {
      assertThat(m.body().getString("topic")).isEqualTo("a");
      test.completeNow();
    })).completion()
        .compose(v -> client.publish("b", 1))
        .compose(v -> client.publish("a", 2))
        .onFailure(test::failNow);
  }

  @Test
  void transientEventsAreDeliveredThenRemoved(Vertx vertx, VertxTestContext test) throws Exception {
    vertx.eventBus().<JsonObject>consumer("feedbus.topic.pings", m -> {
      assertThat(m.body().getBoolean("persist")).isFalse();
      // The feed removes it after delivery; poll the store until it is gone.
      long timer = vertx.setPeriodic(20, id -> node.eventLog().readAfter("pings", null, 10).onSuccess(events -> {
        if (events.isEmpty()) {
          vertx.cancelTimer(id);
          test.completeNow();
        }
      }));
      vertx.setTimer(10_000, id -> vertx.cancelTimer(timer));
    }).completion().compose(v -> client.publish("pings", "ping", Map.of(), false)).onFailure(test::failNow);
    assertThat(test.awaitCompletion(15, TimeUnit.SECONDS)).isTrue();
    client.publish("pings-durable", "kept").toCompletionStage().toCompletableFuture().get();
    assertThat(await(node.eventLog().readAfter("pings-durable", null, 10))).hasSize(1);
  }

  @Test
  void historyOnTheBusValidatesItsRequest(Vertx vertx, VertxTestContext test) {
    vertx.eventBus().request(HistoryRequest.ADDRESS, new JsonObject().put("topic", "x").put("limit", "ten"))
        .onComplete(test.failing(e -> test.verify(() -> {
          assertThat(e.getMessage()).startsWith("invalid_limit:");
          test.completeNow();
        })));
  }

  @Test
  void historyOnTheBusReadsBackFromTheEndAndSaysWhereOlderEventsAre(Vertx vertx) throws Exception {
    for (int i = 0; i < 3; i++) {
      await(client.publish("recent", i));
    }
    JsonObject newest = history(vertx, new JsonObject().put("topic", "recent").put("before", HistoryRequest.END).put("limit", 2));
    assertThat(payloads(newest)).containsExactly(1, 2);
    assertThat(newest.getString("older")).isEqualTo(newest.getJsonArray("events").getJsonObject(0).getString("cursor"));
    assertThat(newest.containsKey("next")).isFalse();
    JsonObject oldest = history(vertx, new JsonObject().put("topic", "recent").put("before", newest.getString("older")).put("limit", 2));
    assertThat(payloads(oldest)).containsExactly(0);
    assertThat(oldest.containsKey("older")).as("nothing older is left").isFalse();
  }

  @Test
  void historyOnTheBusRefusesBeforeWithAfterOrSince(Vertx vertx) throws Exception {
    String cursor = await(client.publish("both", 1)).cursor();
    for (JsonObject request : new JsonObject[] {
        new JsonObject().put("topic", "both").put("before", HistoryRequest.END).put("after", cursor),
        new JsonObject().put("topic", "both").put("before", cursor).put("since", 0)}) {
      Throwable refused = vertx.eventBus().request(HistoryRequest.ADDRESS, request)
          .toCompletionStage().toCompletableFuture().handle((m, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(refused).hasMessageStartingWith("invalid_query:");
    }
  }

  @Test
  void theLocalHistoryAddressAnswersWithThePageTheBusAddressAnswersAsJson(Vertx vertx) throws Exception {
    for (int i = 0; i < 3; i++) {
      await(client.publish("local", new JsonObject().put("n", i)));
    }
    for (JsonObject request : new JsonObject[] {new JsonObject().put("topic", "local").put("limit", 2),
        new JsonObject().put("topic", "local").put("before", HistoryRequest.END).put("limit", 2)}) {
      Object local = await(vertx.eventBus().request(HistoryRequest.LOCAL_ADDRESS, request)).body();
      assertThat(local).isInstanceOf(HistoryPage.class);
      assertThat(((HistoryPage) local).toJson()).isEqualTo(history(vertx, request));
      assertThat(((HistoryPage) local).encode()).isEqualTo(history(vertx, request).encode());
    }
  }

  private static JsonObject history(Vertx vertx, JsonObject request) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(HistoryRequest.ADDRESS, request)).body();
  }

  private static java.util.List<Object> payloads(JsonObject page) {
    return page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getValue("payload")).toList();
  }

  @Test
  void theFeedReportsTheStoreConnected() {
    assertThat(node.eventLog()).isNotNull();
    // The embedded engine's stream says connected as soon as it opens.
    StoreStatus status = null;
    for (int i = 0; i < 100 && status == null; i++) {
      status = node.feedStatus();
    }
    assertThat(status).isNotNull();
    assertThat(status.state()).isEqualTo(StoreStatus.State.CONNECTED);
  }
}
