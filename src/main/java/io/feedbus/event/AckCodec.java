package io.feedbus.event;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** Carries an {@link Ack} (immutable) by reference on one Vert.x; as its JSON across a cluster. */
public final class AckCodec extends ByReferenceCodec<Ack> {

  private AckCodec() {
    super("feedbus.ack", Ack::encode, text -> Ack.fromJson(new JsonObject(text)));
  }

  /** Makes {@code bus} carry acks as values (once per event bus). */
  public static void registerOn(EventBus bus) {
    registerOnce(bus, new AckCodec(), Ack.class);
  }
}
