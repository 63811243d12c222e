package io.feedbus.event;

import io.vertx.core.json.JsonObject;

/** What a publisher gets back once its event is durable. */
public record Ack(String id, String cursor, long ts) {

  public static Ack of(Event event) {
    return new Ack(event.id(), event.cursor().value(), event.ts());
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("cursor", cursor).put("ts", ts);
  }

  /**
   * {@link #toJson} as text, without a JSON object: an id and a cursor are plain ASCII (a cursor's
   * characters, see {@link Cursor}), so neither needs escaping.
   */
  public String encode() {
    if (id == null || cursor == null || !Event.plain(id) || !Event.plain(cursor)) {
      return JsonText.encode(toJson());
    }
    return "{\"id\":\"" + id + "\",\"cursor\":\"" + cursor + "\",\"ts\":" + ts + "}";
  }

  public static Ack fromJson(JsonObject json) {
    return new Ack(json.getString("id"), json.getString("cursor"), json.getLong("ts"));
  }
}
