package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Events as RethinkDB documents: {@code id} (the primary key) = {@code [topic key, cursor]},
 * {@code topic}, {@code cursor}, {@code ts}, {@code origin} and {@code persist} as fields for indexes
 * and operators, and the whole event as JSON text in {@code json}.
 *
 * <p>The primary key leads with the topic so that a topic's history is one range of the primary
 * index, read in cursor order without a secondary index. Measured on RethinkDB 2.4.4 (300,000
 * events, pages of 1,000): a page read on the primary index costs the server 11.5-11.9 us per
 * event; the same read on a compound {@code [topic, cursor]} secondary index cost 33.9-39.0 us, and
 * on a plain string field index 20.3-23.5 us (the server fetches each document from the primary
 * index and checks it against the index function). The timeline across topics (change streams
 * between nodes, feed resume, trimming by age) reads the plain {@code cursor} index instead.
 *
 * <p>A primary key has at most 127 bytes, so the topic key is the topic when it has at most
 * {@value #VERBATIM_TOPIC} characters, else its first 64 characters, {@code '#'} (which no topic
 * contains) and 28 hex digits of its SHA-256: distinct for every topic, the same on every node.
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

  /** The longest topic that is its own topic key: with a cursor, the key stays within 127 bytes. */
  static final int VERBATIM_TOPIC = 94;
  /** The secondary index on {@code cursor}: the timeline of every topic. */
  static final String CURSOR_INDEX = "cursor";

  /** The cursor of the newest event of {@code events} (an array of one, or empty): on the {@link #CURSOR_INDEX}. */
  static ReqlTerm newestCursor(ReqlTerm events) {
    return events.orderBy().opt("index", Reql.desc(CURSOR_INDEX)).limit(1).g("cursor").coerceTo("array");
  }

  /** The first element of the primary key of every event of {@code topic}. */
  static String topicKey(String topic) {
    if (topic.length() <= VERBATIM_TOPIC) {
      return topic;
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(topic.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return topic.substring(0, 64) + '#' + java.util.HexFormat.of().formatHex(digest, 0, 14);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The primary key of the event with {@code cursor} in {@code topic}. */
  static JsonArray key(String topic, String cursor) {
    return new JsonArray().add(topicKey(topic)).add(cursor);
  }

  static JsonObject toDocument(Event event) {
    return new JsonObject()
        .put("id", key(event.topic(), event.id()))
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

  /** {@code [cursor, topic, readable]} of each document: what {@link #toKeyedEvent} turns into an event without parsing it. */
  static ReqlTerm keyedReadable(ReqlTerm row) {
    return Reql.array(row.g("cursor").defaultTo(null), row.g("topic").defaultTo(null), readable(row));
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
