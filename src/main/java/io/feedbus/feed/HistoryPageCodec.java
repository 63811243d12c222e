package io.feedbus.feed;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Carries a {@link HistoryPage} on the event bus: on one Vert.x by reference (a page and its events
 * are immutable), so a local replay neither copies nor re-parses the events; across a cluster as
 * the page's JSON text.
 */
public final class HistoryPageCodec implements MessageCodec<HistoryPage, HistoryPage> {

  private static final Map<EventBus, Boolean> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());

  HistoryPageCodec() {
  }

  /** Makes {@code bus} carry pages (once per event bus, however many feeds or clients ask). */
  public static void registerOn(EventBus bus) {
    if (REGISTERED.putIfAbsent(bus, Boolean.TRUE) == null) {
      bus.registerDefaultCodec(HistoryPage.class, new HistoryPageCodec());
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, HistoryPage page) {
    byte[] text = page.encode().getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(text.length).appendBytes(text);
  }

  @Override
  public HistoryPage decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return HistoryPage.fromJson(new JsonObject(buffer.getString(pos + 4, pos + 4 + length, "UTF-8")));
  }

  @Override
  public HistoryPage transform(HistoryPage page) {
    return page;
  }

  @Override
  public String name() {
    return "feedbus.history.page";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
