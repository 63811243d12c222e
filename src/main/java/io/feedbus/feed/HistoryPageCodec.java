package io.feedbus.feed;

import io.feedbus.event.ByReferenceCodec;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Carries a {@link HistoryPage} on the event bus: on one Vert.x by reference (a page and its events
 * are immutable), so a local replay neither copies nor re-parses the events; across a cluster as
 * the page's JSON text.
 */
public final class HistoryPageCodec extends ByReferenceCodec<HistoryPage> {


  HistoryPageCodec() {
    super("feedbus.history.page", HistoryPage::encode, text -> HistoryPage.fromJson(new JsonObject(text)));
  }

  /** Makes {@code bus} carry pages (once per event bus, however many feeds or clients ask). */
  public static void registerOn(EventBus bus) {
    registerOnce(bus, new HistoryPageCodec(), HistoryPage.class);
  }
}
