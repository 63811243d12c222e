package io.feedbus.client;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Ack;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.testing.NodeWithClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java client against a node on its own Vert.x: {@code publish} (by reference to the publish
 * service), and {@code historyBefore} / {@code historyPageBefore}: the newest events before a cursor
 * or the end, paging back.
 */
class FeedbusClientTest extends NodeWithClient {

  private List<Ack> publish(String topic, int count) throws Exception {
    List<Ack> acks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      acks.add(await(client.publish(topic, i)));
    }
    return acks;
  }

  private static List<Object> payloads(List<Event> events) {
    return events.stream().map(Event::payload).toList();
  }

  @Test
  void pagesBackFromTheEndNewestPageFirstEachOldestFirstUntilOlderIsNull() throws Exception {
    List<Ack> acks = publish("back", 5);
    List<List<Object>> pages = new ArrayList<>();
    List<String> olders = new ArrayList<>();
    String before = null;
    do {
      FeedbusClient.OlderPage page = await(client.historyPageBefore("back", before, 2));
      pages.add(payloads(page.events()));
      olders.add(page.older());
      before = page.older();
    } while (before != null);
    assertThat(pages).containsExactly(List.of(3, 4), List.of(1, 2), List.of(0));
    // older is the before of the page before: the cursor of this page's first event.
    assertThat(olders).containsExactly(acks.get(3).cursor(), acks.get(1).cursor(), null);
  }

  @Test
  void historyBeforeACursorGivesOnlyTheNewestEventsStrictlyBeforeIt() throws Exception {
    List<Ack> acks = publish("cut", 5);
    assertThat(payloads(await(client.historyBefore("cut", acks.get(3).cursor(), 2)))).containsExactly(1, 2);
    assertThat(payloads(await(client.historyBefore("cut", "end", 10)))).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void historyBeforeAnInvalidCursorFailsWithInvalidCursor() {
    Throwable failure = client.historyBefore("cut", "not-a-cursor", 2).toCompletionStage().toCompletableFuture()
        .handle((v, t) -> t).join();
    assertThat(failure).isInstanceOf(FeedbusException.class);
    assertThat(((FeedbusException) failure).code()).isEqualTo("invalid_cursor");
  }

  private static FeedbusException failure(Future<?> future) {
    Throwable t = future.toCompletionStage().toCompletableFuture().handle((v, e) -> e).join();
    assertThat(t).isInstanceOf(FeedbusException.class);
    return (FeedbusException) t;
  }

  @Test
  void thePayloadIsTakenAsItIsWhenPublishIsCalled() throws Exception {
    JsonObject payload = new JsonObject().put("n", 1);
    Future<Ack> ack = client.publish("snap", payload);
    payload.put("n", 2).put("late", true);
    await(ack);
    assertThat(await(client.history("snap", null, 10)).get(0).payload()).isEqualTo(new JsonObject().put("n", 1));
  }

  @Test
  void aValueJsonCannotHoldOrABadTopicFailsWithACodedError() {
    assertThat(failure(client.publish("pojo", new Object())).code()).isEqualTo("bad_request");
    assertThat(failure(client.publish("no spaces", 1)).code()).isEqualTo("invalid_topic");
    assertThat(failure(client.publish("big", "x".repeat(2 * 1024 * 1024), Map.of(), true)).code()).isEqualTo("payload_too_large");
  }
}
