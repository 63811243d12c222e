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
  /**
   * {@link #toJson} encoded: given for an event read back from a store; for a published one,
   * computed on first use (the engine's writer encodes, the feed's readers reuse it).
   */
  private volatile String text;
  /**
   * {@link #text} as UTF-8, made on first use: by the embedded engine's writer for its journal, and
   * reused by the writers of SSE and bridge frames, so those copy bytes instead of encoding again.
   */
  private volatile byte[] utf8;
  /** Everything but cursor and topic; for a stored event, parsed from {@link #text} on first use. */
  private volatile Fields fields;
  /** The payload's JSON text when the publisher's validation encoded it already, else null. */
  private final String payloadJson;

  private record Fields(Object payload, Map<String, String> headers, String origin, boolean persist) {
  }

  public Event(Cursor cursor, String topic, Object payload, Map<String, String> headers, String origin, boolean persist) {
    this(cursor, topic, payload, null, headers, origin, persist);
  }

  /** With the payload's JSON text ({@code Json.encode(payload)}) at hand, so {@link #encode} need not encode it again. */
  public Event(Cursor cursor, String topic, Object payload, String payloadJson, Map<String, String> headers, String origin,
               boolean persist) {
    this.cursor = Objects.requireNonNull(cursor, "cursor");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.ts = cursor.timestamp();
    this.payloadJson = payloadJson;
    this.fields = new Fields(payload, headers == null ? Map.of() : Map.copyOf(headers), origin, persist);
  }

  private Event(Cursor cursor, String topic, String stored) {
    this.cursor = Objects.requireNonNull(cursor, "cursor");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.ts = cursor.timestamp();
    this.text = Objects.requireNonNull(stored, "stored");
    this.payloadJson = null;
  }

  /**
   * An event as an engine stored it: {@code json} is its {@link #encode} text, whose cursor and
   * topic the engine's index gave already. The rest is parsed only when asked for, so a replay that
   * passes events through (history pages, a subscriber that reads cursors) never parses them.
   */
  public static Event stored(Cursor cursor, String topic, String json) {
    return new Event(cursor, topic, json);
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
    return fields().payload();
  }

  public Map<String, String> headers() {
    return fields().headers();
  }

  public String origin() {
    return fields().origin();
  }

  public boolean persist() {
    return fields().persist();
  }

  private Fields fields() {
    Fields parsed = fields;
    if (parsed == null) {
      // Two threads may both parse; they get equal results, and either may be kept.
      parsed = fromJson(new JsonObject(text)).fields();
      fields = parsed;
    }
    return parsed;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id())
        .put("cursor", cursor.value())
        .put("topic", topic)
        .put("ts", ts)
        .put("payload", payload());
    Map<String, String> headers = headers();
    if (!headers.isEmpty()) {
      json.put("headers", new JsonObject(Map.copyOf(headers)));
    }
    String origin = origin();
    if (origin != null) {
      json.put("origin", origin);
    }
    json.put("persist", persist());
    return json;
  }

  /**
   * {@link #toJson} as text: for a stored event, the stored text itself, neither parsed nor copied;
   * for a published one whose payload text is at hand, that text with the other fields around it
   * (the same characters {@code toJson().encode()} gives, which a test pins), else {@code toJson().encode()}.
   */
  public String encode() {
    String encoded = text;
    if (encoded == null) {
      // Only a published event gets here. Two threads may both encode; they get equal text, and either may be kept.
      encoded = encodeFields();
      text = encoded;
    }
    return encoded;
  }

  /** {@link #encode} as UTF-8. The array is shared: callers must not change it. */
  public byte[] encodeUtf8() {
    byte[] bytes = utf8;
    if (bytes == null) {
      // As in encode: threads racing here make equal arrays, and either may be kept.
      bytes = encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      utf8 = bytes;
    }
    return bytes;
  }

  private String encodeFields() {
    Fields f = fields;
    if (payloadJson == null || !plain(topic) || (f.origin() != null && !plain(f.origin()))) {
      return JsonText.encode(toJson());
    }
    String c = cursor.value();
    // 92 characters of names, quotes, ts and persist; the origin's length when there is one.
    StringBuilder json = new StringBuilder(96 + 2 * c.length() + topic.length() + payloadJson.length()
        + (f.origin() == null ? 0 : f.origin().length()) + (f.headers().isEmpty() ? 0 : 64));
    json.append("{\"id\":\"").append(c).append("\",\"cursor\":\"").append(c).append("\",\"topic\":\"").append(topic)
        .append("\",\"ts\":").append(ts).append(",\"payload\":").append(payloadJson);
    if (!f.headers().isEmpty()) {
      json.append(",\"headers\":").append(JsonText.encode(f.headers()));
    }
    if (f.origin() != null) {
      json.append(",\"origin\":\"").append(f.origin()).append('"');
    }
    return json.append(",\"persist\":").append(f.persist()).append('}').toString();
  }

  /** True when {@code s} is printable ASCII that JSON quotes as is (no quote, backslash or control character). */
  static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
        return false;
      }
    }
    return true;
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
