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
  void documentsAreKeyedByTopicAndCursorAndKeepTheEventAsText() {
    JsonObject payload = new JsonObject().put("n", 1).put("list", new JsonArray().add(new JsonObject().put("$reql_type$", "TIME")));
    Event event = new Event(new CursorClock("n").next(), "orders", payload, Map.of("trace", "x"), "n", false);
    JsonObject document = RethinkDbDocuments.toDocument(event);
    assertThat(document.getJsonArray("id")).containsExactly("orders", event.cursor().value());
    assertThat(document.getString("cursor")).isEqualTo(event.cursor().value());
    assertThat(document.getString("topic")).isEqualTo("orders");
    assertThat(document.getBoolean("persist")).isFalse();
    assertThat(document.getValue(RethinkDbDocuments.JSON_FIELD)).isInstanceOf(String.class);
    assertThat(RethinkDbDocuments.toEvent(document.getString(RethinkDbDocuments.JSON_FIELD)).toJson()).isEqualTo(event.toJson());
  }

  @Test
  void aLongTopicIsKeyedByAPrefixAndItsDigestWithinThePrimaryKeyLimit() {
    String cursor = new CursorClock("n").next().value();
    String longest = "t".repeat(io.feedbus.event.Topic.MAX_LENGTH);
    String verbatim = "v".repeat(RethinkDbDocuments.VERBATIM_TOPIC);
    assertThat(RethinkDbDocuments.topicKey(verbatim)).isEqualTo(verbatim);
    String key = RethinkDbDocuments.topicKey(longest);
    assertThat(key).startsWith("t".repeat(64) + "#").hasSize(verbatim.length() - 1);
    assertThat(RethinkDbDocuments.topicKey(longest)).as("the same on every call and node").isEqualTo(key);
    assertThat(RethinkDbDocuments.topicKey(longest.substring(1) + "u")).as("topics that share the prefix differ").isNotEqualTo(key);
    // RethinkDB's limit (127 bytes) was seen to admit [94 characters, cursor] and refuse 95: the digest key is within it.
    assertThat(RethinkDbDocuments.key(longest, cursor).getString(0).length()).isLessThanOrEqualTo(RethinkDbDocuments.VERBATIM_TOPIC);
  }

  @Test
  void aDocumentWithoutTextReadsAsTheEventItself() {
    Event event = new Event(new CursorClock("n").next(), "orders", 7, Map.of(), "n", true);
    assertThat(RethinkDbDocuments.toEvent(event.toJson()).toJson()).isEqualTo(event.toJson());
  }

  @Test
  void aKeyedRowWithTextIsTheStoredEventAndAnyOtherRowReadsAsBefore() {
    Event event = new Event(new CursorClock("n").next(), "orders", new JsonObject().put("n", 2), Map.of("h", "v"), "n", true);
    String text = RethinkDbDocuments.toDocument(event).getString(RethinkDbDocuments.JSON_FIELD);
    Event keyed = RethinkDbDocuments.toKeyedEvent(new JsonArray().add(event.id()).add("orders").add(text));
    assertThat(keyed.encode()).isSameAs(text);
    assertThat(keyed.cursor()).isEqualTo(event.cursor());
    assertThat(keyed.toJson()).isEqualTo(event.toJson());
    // A document without text (or without a topic field) is read whole, as by toEvent.
    assertThat(RethinkDbDocuments.toKeyedEvent(new JsonArray().add(event.id()).addNull().add(event.toJson())).toJson()).isEqualTo(event.toJson());
  }
}
