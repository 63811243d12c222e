package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Events as RethinkDB documents: {@code id} (= the cursor, the primary key), {@code topic},
 * {@code cursor}, {@code ts}, {@code origin} and {@code persist} as fields for indexes and
 * operators, and the whole event as JSON text in {@code json}.
 *
 * <p>Keeping the event as text stores every payload exactly as published: numbers keep their type
 * and precision beyond 2^53 (RethinkDB stores numbers as doubles), nesting has no depth limit, and
 * keys such as {@code $reql_type$} mean nothing to the server. It also makes a write one string per
 * event instead of a tree of terms.
 */
final class RethinkDbDocuments {

  static final String JSON_FIELD = "json";

  private RethinkDbDocuments() {
  }

  static JsonObject toDocument(Event event) {
    return new JsonObject()
        .put("id", event.id())
        .put("topic", event.topic())
        .put("cursor", event.id())
        .put("ts", event.ts())
        .put("origin", event.origin())
        .put("persist", event.persist())
        .put(JSON_FIELD, event.encode());
  }

  /** What reads fetch of each document: its JSON text (or, for a document without one, the document). */
  static ReqlTerm readable(ReqlTerm row) {
    return row.g(JSON_FIELD).defaultTo(row);
  }

  /** {@code [id, topic, readable]} of each document: what {@link #toKeyedEvent} turns into an event without parsing it. */
  static ReqlTerm keyedReadable(ReqlTerm row) {
    return Reql.array(row.g("id"), row.g("topic").defaultTo(null), readable(row));
  }

  /**
   * An element read through {@link #keyedReadable}: with the JSON text, an event whose text is parsed
   * only if someone asks for its fields (a replay passes most through unparsed); else as {@link #toEvent}.
   */
  static Event toKeyedEvent(Object element) {
    JsonArray keyed = (JsonArray) element;
    if (keyed.getValue(2) instanceof String text && keyed.getValue(0) instanceof String id && keyed.getValue(1) instanceof String topic) {
      return Event.stored(Cursor.parse(id), topic, text);
    }
    return toEvent(keyed.getValue(2));
  }

  /** An element read through {@link #readable}: the JSON text of an event, or an event document. */
  static Event toEvent(Object element) {
    if (element instanceof String) {
      return Event.fromJson(new JsonObject((String) element));
    }
    return Event.fromJson((JsonObject) element);
  }
}
