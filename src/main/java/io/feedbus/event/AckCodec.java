package io.feedbus.event;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** Carries an {@link Ack} (immutable) by reference on one Vert.x; as its JSON across a cluster. */
public final class AckCodec extends ByReferenceCodec<Ack> {

  private AckCodec() {
  }

  /** Makes {@code bus} carry acks as values (once per event bus). */
  public static void registerOn(EventBus bus) {
    AckCodec codec = new AckCodec();
    if (codec.firstOn(bus)) {
      bus.registerDefaultCodec(Ack.class, codec);
    }
  }

  @Override
  protected String text(Ack ack) {
    return ack.encode();
  }

  @Override
  protected Ack parse(String text) {
    return Ack.fromJson(new JsonObject(text));
  }

  @Override
  public String name() {
    return "feedbus.ack";
  }
}
