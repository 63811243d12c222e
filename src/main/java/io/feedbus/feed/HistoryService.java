package io.feedbus.feed;

import io.feedbus.event.Event;
import io.feedbus.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Answers history reads: one page of a topic after a cursor, with {@code next} when more may follow. */
public final class HistoryService {

  private final EventLog log;

  public HistoryService(EventLog log) {
    this.log = log;
  }

  public Future<JsonObject> read(HistoryRequest request) {
    return log.readAfter(request.topic(), request.lowerBound(), request.limit()).map(events -> page(events, request.limit()));
  }

  static JsonObject page(List<Event> events, int limit) {
    JsonArray array = new JsonArray();
    events.forEach(e -> array.add(e.toJson()));
    JsonObject page = new JsonObject().put("events", array);
    if (events.size() == limit) {
      page.put("next", events.get(events.size() - 1).cursor().value());
    }
    return page;
  }
}
