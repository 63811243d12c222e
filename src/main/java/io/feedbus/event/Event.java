package io.feedbus.event;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;

/**
 * One event of the timeline. The cursor doubles as the id: it is unique, time-ordered and assigned
 * by the node that accepted the event, so engines need one key, not two.
 */
public final class Event {

  private final Cursor cursor;
  private final String topic;
  private final long ts;
  private final Object payload;
  private final Map<String, String> headers;
  private final String origin;
  private final boolean persist;

  public Event(Cursor cursor, String topic, Object payload, Map<String, String> headers, String origin, boolean persist) {
    this.cursor = Objects.requireNonNull(cursor, "cursor");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.ts = cursor.timestamp();
    this.payload = payload;
    this.headers = headers == null ? Map.of() : Map.copyOf(headers);
    this.origin = origin;
    this.persist = persist;
  }

  public String id() {
    return cursor.value();
  }

  public Cursor cursor() {
    return cursor;
  }

  public String topic() {
    return topic;
  }

  public long ts() {
    return ts;
  }

  /** Any JSON value: a JsonObject, JsonArray, String, Number, Boolean or null. */
  public Object payload() {
    return payload;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public String origin() {
    return origin;
  }

  public boolean persist() {
    return persist;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id())
        .put("cursor", cursor.value())
        .put("topic", topic)
        .put("ts", ts)
        .put("payload", payload);
    if (!headers.isEmpty()) {
      json.put("headers", new JsonObject(Map.copyOf(headers)));
    }
    if (origin != null) {
      json.put("origin", origin);
    }
    json.put("persist", persist);
    return json;
  }

  /** Reads an event as {@link #toJson} wrote it (the stored form of every engine). */
  public static Event fromJson(JsonObject json) {
    JsonObject headers = json.getJsonObject("headers");
    Map<String, String> map = headers == null ? Map.of() : toStringMap(headers);
    return new Event(Cursor.parse(json.getString("cursor", json.getString("id"))), json.getString("topic"),
        json.getValue("payload"), map, json.getString("origin"), json.getBoolean("persist", true));
  }

  private static Map<String, String> toStringMap(JsonObject headers) {
    java.util.HashMap<String, String> map = new java.util.HashMap<>();
    headers.forEach(e -> map.put(e.getKey(), String.valueOf(e.getValue())));
    return map;
  }

  @Override
  public String toString() {
    return "Event{" + topic + "@" + cursor + "}";
  }
}
