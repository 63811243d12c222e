package io.feedbus.event;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Carries an {@link Event} on the event bus: on one Vert.x by reference (every consumer shares the
 * instance, and with it the text the engine encoded once, so a consumer that writes the event out
 * neither copies nor re-encodes it); across a cluster as its JSON text. Handlers of a shared event
 * must not change its payload.
 */
public final class EventCodec implements MessageCodec<Event, Event> {

  private static final Map<EventBus, Boolean> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());
  public static final String NAME = "feedbus.event";

  EventCodec() {
  }

  /** How to send or publish an event by reference on this Vert.x only (e.g. to {@link Topic#localAddress}). */
  public static DeliveryOptions localDelivery() {
    return new DeliveryOptions().setLocalOnly(true).setCodecName(NAME);
  }

  /** Makes {@code bus} carry events (once per event bus, however many feeds or clients ask). */
  public static void registerOn(EventBus bus) {
    if (REGISTERED.putIfAbsent(bus, Boolean.TRUE) == null) {
      bus.registerCodec(new EventCodec());
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, Event event) {
    byte[] text = event.encode().getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(text.length).appendBytes(text);
  }

  @Override
  public Event decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return Event.fromJson(new JsonObject(buffer.getString(pos + 4, pos + 4 + length, "UTF-8")));
  }

  @Override
  public Event transform(Event event) {
    return event;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
