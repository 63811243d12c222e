package io.feedbus.feed;

import io.feedbus.event.Event;
import io.feedbus.store.EventLog;
import io.vertx.core.Future;
import java.util.List;

/**
 * Answers history reads, at most {@code limit} events and {@code maxPageBytes} of them, in cursor
 * order: forward, one page after a cursor with {@code next} when more may follow; backward, the
 * newest page before a cursor (or the end) with {@code older}, the {@code before} of the page
 * before it, when older events exist.
 */
public final class HistoryService {

  private final EventLog log;
  private final long maxPageBytes;

  public HistoryService(EventLog log, long maxPageBytes) {
    this.log = log;
    this.maxPageBytes = maxPageBytes;
  }

  public Future<HistoryPage> read(HistoryRequest request) {
    if (request.backward()) {
      return log.readBefore(request.topic(), request.before(), request.limit(), maxPageBytes)
          .map(read -> page(read, "older", read.events().isEmpty() ? null : read.events().get(0)));
    }
    return log.readPage(request.topic(), request.lowerBound(), request.limit(), maxPageBytes)
        .map(read -> page(read, "next", read.events().isEmpty() ? null : read.events().get(read.events().size() - 1)));
  }

  /** The page's events, and {@code leadName: edge's cursor} when it is full. */
  static HistoryPage page(EventLog.Page read, String leadName, Event edge) {
    return new HistoryPage(List.copyOf(read.events()), leadName, read.full() && edge != null ? edge.cursor().value() : null);
  }
}
