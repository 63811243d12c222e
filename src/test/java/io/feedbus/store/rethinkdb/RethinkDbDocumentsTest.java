package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RethinkDbDocumentsTest {

  @Test
  void documentsArePlainMapsKeyedByTheCursorAndRoundTrip() {
    JsonObject payload = new JsonObject().put("n", 1).put("list", new JsonArray().add(new JsonObject().put("deep", true)));
    Event event = new Event(new CursorClock("n").next(), "orders", payload, Map.of("trace", "x"), "n", false);
    Map<String, Object> document = RethinkDbDocuments.toDocument(event);
    assertThat(document.get("id")).isEqualTo(event.cursor().value());
    assertThat(document.get("payload")).isInstanceOf(Map.class);
    assertThat(((Map<?, ?>) document.get("payload")).get("list")).isInstanceOf(List.class);
    assertThat(((List<?>) ((Map<?, ?>) document.get("payload")).get("list")).get(0)).isInstanceOf(Map.class);
    assertThat(RethinkDbDocuments.toEvent(document).toJson()).isEqualTo(event.toJson());
  }
}
