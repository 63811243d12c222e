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
  }

  /** Makes {@code bus} carry pages (once per event bus, however many feeds or clients ask). */
  public static void registerOn(EventBus bus) {
    HistoryPageCodec codec = new HistoryPageCodec();
    if (codec.firstOn(bus)) {
      bus.registerDefaultCodec(HistoryPage.class, codec);
    }
  }

  @Override
  protected String text(HistoryPage page) {
    return page.encode();
  }

  @Override
  protected HistoryPage parse(String text) {
    return HistoryPage.fromJson(new JsonObject(text));
  }

  @Override
  public String name() {
    return "feedbus.history.page";
  }
}
