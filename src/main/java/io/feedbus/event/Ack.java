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

  public static Ack fromJson(JsonObject json) {
    return new Ack(json.getString("id"), json.getString("cursor"), json.getLong("ts"));
  }
}
