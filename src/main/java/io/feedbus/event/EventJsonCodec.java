package io.feedbus.event;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Publishes an {@link Event} to consumers that take its JSON ({@link Topic#address}): each consumer's
 * message body is its own {@link Event#toJson}, built when the consumer reads it. A feed publishes
 * every event there whether or not anyone listens; with the JSON built up front and copied per
 * consumer (Vert.x's JSON codec), an event nobody consumed still cost a JSON object of its fields.
 * Meant for local delivery; across a cluster the event travels as its JSON text.
 */
public final class EventJsonCodec implements MessageCodec<Event, JsonObject> {

  public static final String NAME = "feedbus.event-json";

  private EventJsonCodec() {
  }

  /** How to publish an event to JSON consumers on this Vert.x only. */
  public static DeliveryOptions localDelivery() {
    return new DeliveryOptions().setLocalOnly(true).setCodecName(NAME);
  }

  public static void registerOn(EventBus bus) {
    ByReferenceCodec.registerOnce(bus, new EventJsonCodec(), null);
  }

  @Override
  public void encodeToWire(Buffer buffer, Event event) {
    ByReferenceCodec.writeText(buffer, event.encode());
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    return new JsonObject(ByReferenceCodec.readText(pos, buffer));
  }

  @Override
  public JsonObject transform(Event event) {
    return event.toJson();
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
