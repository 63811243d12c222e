package io.feedbus.feed;

import io.feedbus.event.Event;
import io.feedbus.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Answers history reads: one page of a topic after a cursor, at most {@code limit} events and
 * {@code maxPageBytes} of them, with {@code next} when more may follow.
 */
public final class HistoryService {

  private final EventLog log;
  private final long maxPageBytes;

  public HistoryService(EventLog log, long maxPageBytes) {
    this.log = log;
    this.maxPageBytes = maxPageBytes;
  }

  public Future<JsonObject> read(HistoryRequest request) {
    return log.readPage(request.topic(), request.lowerBound(), request.limit(), maxPageBytes).map(HistoryService::page);
  }

  static JsonObject page(EventLog.Page read) {
    List<Event> events = read.events();
    JsonArray array = new JsonArray();
    events.forEach(e -> array.add(e.toJson()));
    JsonObject page = new JsonObject().put("events", array);
    if (read.full() && !events.isEmpty()) {
      page.put("next", events.get(events.size() - 1).cursor().value());
    }
    return page;
  }
}
