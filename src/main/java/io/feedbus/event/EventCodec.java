package io.feedbus.event;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Carries an {@link Event} on the event bus: on one Vert.x by reference (every consumer shares the
 * instance, and with it the text the engine encoded once, so a consumer that writes the event out
 * neither copies nor re-encodes it); across a cluster as its JSON text. Handlers of a shared event
 * must not change its payload.
 */
public final class EventCodec extends ByReferenceCodec<Event> {

  public static final String NAME = "feedbus.event";

  EventCodec() {
    super(NAME, Event::encode, text -> Event.fromJson(new JsonObject(text)));
  }

  /** How to send or publish an event by reference on this Vert.x only (e.g. to {@link Topic#localAddress}). */
  public static DeliveryOptions localDelivery() {
    return new DeliveryOptions().setLocalOnly(true).setCodecName(NAME);
  }

  /** Makes {@code bus} carry events (once per event bus, however many feeds or clients ask). */
  public static void registerOn(EventBus bus) {
    registerOnce(bus, new EventCodec(), null);
  }
}
