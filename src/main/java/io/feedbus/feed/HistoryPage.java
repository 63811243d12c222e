package io.feedbus.feed;

import io.feedbus.event.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One answer of {@code feedbus.history}: the events, and {@code leadName} ({@code next} forward,
 * {@code older} backward) with the cursor to read on from when more may follow ({@code lead}, else
 * null). On this node it travels as it is ({@link HistoryPageCodec}); elsewhere as {@link #toJson}.
 */
public record HistoryPage(List<Event> events, String leadName, String lead) {

  /** The reply body of {@code feedbus.history}: {@code {events: [...], <leadName>?: cursor}}. */
  public JsonObject toJson() {
    JsonArray array = new JsonArray(new java.util.ArrayList<>(events.size()));
    events.forEach(e -> array.add(e.toJson()));
    JsonObject page = new JsonObject().put("events", array);
    if (lead != null) {
      page.put(leadName, lead);
    }
    return page;
  }

  /** Reads a page as {@link #toJson} wrote it. */
  public static HistoryPage fromJson(JsonObject json) {
    String leadName = json.containsKey("older") ? "older" : "next";
    JsonArray array = json.getJsonArray("events");
    List<Event> events = new java.util.ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      events.add(Event.fromJson(array.getJsonObject(i)));
    }
    return new HistoryPage(List.copyOf(events), leadName, json.getString(leadName));
  }

  /**
   * {@link #toJson} encoded, built from each event's {@link Event#encode} text, so stored events are
   * copied, not parsed and encoded again.
   */
  public String encode() {
    int size = 32;
    for (Event event : events) {
      size += event.encode().length() + 1;
    }
    StringBuilder out = new StringBuilder(size).append("{\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      out.append(i == 0 ? "" : ",").append(events.get(i).encode());
    }
    out.append(']');
    if (lead != null) {
      // Names and cursors hold no character JSON escapes.
      out.append(",\"").append(leadName).append("\":\"").append(lead).append('"');
    }
    return out.append('}').toString();
  }
}
