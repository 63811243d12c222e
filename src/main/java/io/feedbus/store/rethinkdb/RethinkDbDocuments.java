package io.feedbus.store.rethinkdb;

import io.feedbus.event.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Events as RethinkDB documents: {@link Event#toJson()} as plain maps and lists (what the driver
 * turns into ReQL), primary key {@code id} = the cursor string.
 */
final class RethinkDbDocuments {

  private RethinkDbDocuments() {
  }

  static Map<String, Object> toDocument(Event event) {
    @SuppressWarnings("unchecked")
    Map<String, Object> document = (Map<String, Object>) plain(event.toJson());
    return document;
  }

  static Event toEvent(Map<?, ?> document) {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) document;
    return Event.fromJson(new JsonObject(map));
  }

  /** JsonObject / JsonArray (at any depth) to LinkedHashMap / ArrayList; other values unchanged. */
  static Object plain(Object value) {
    if (value instanceof JsonObject) {
      value = ((JsonObject) value).getMap();
    } else if (value instanceof JsonArray) {
      value = ((JsonArray) value).getList();
    }
    if (value instanceof Map) {
      Map<String, Object> map = new LinkedHashMap<>();
      ((Map<?, ?>) value).forEach((k, v) -> map.put(String.valueOf(k), plain(v)));
      return map;
    }
    if (value instanceof List) {
      List<Object> list = new ArrayList<>();
      ((List<?>) value).forEach(v -> list.add(plain(v)));
      return list;
    }
    return value;
  }
}
