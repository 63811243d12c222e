package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RethinkDbDocumentsTest {

  @Test
  void documentsAreKeyedByTheCursorAndKeepTheEventAsText() {
    JsonObject payload = new JsonObject().put("n", 1).put("list", new JsonArray().add(new JsonObject().put("$reql_type$", "TIME")));
    Event event = new Event(new CursorClock("n").next(), "orders", payload, Map.of("trace", "x"), "n", false);
    JsonObject document = RethinkDbDocuments.toDocument(event);
    assertThat(document.getString("id")).isEqualTo(event.cursor().value());
    assertThat(document.getString("cursor")).isEqualTo(event.cursor().value());
    assertThat(document.getString("topic")).isEqualTo("orders");
    assertThat(document.getBoolean("persist")).isFalse();
    assertThat(document.getValue(RethinkDbDocuments.JSON_FIELD)).isInstanceOf(String.class);
    assertThat(RethinkDbDocuments.toEvent(document.getString(RethinkDbDocuments.JSON_FIELD)).toJson()).isEqualTo(event.toJson());
  }

  @Test
  void aDocumentWithoutTextReadsAsTheEventItself() {
    Event event = new Event(new CursorClock("n").next(), "orders", 7, Map.of(), "n", true);
    assertThat(RethinkDbDocuments.toEvent(event.toJson()).toJson()).isEqualTo(event.toJson());
  }
}
