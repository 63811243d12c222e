package io.feedbus.event;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Carries a {@link JsonObject} the sender gives up (a request body it parsed or copied for the
 * purpose) to a consumer on the same Vert.x without the copy Vert.x's own JSON codec makes for every
 * local delivery. The sender must not touch the object after sending it.
 */
public final class JsonByReference extends ByReferenceCodec<JsonObject> {

  public static final String NAME = "feedbus.json.by-reference";

  private JsonByReference() {
    super(NAME, JsonObject::encode, JsonObject::new);
  }

  /** Sends on this Vert.x only, by reference. */
  public static DeliveryOptions localDelivery(long sendTimeoutMillis) {
    return new DeliveryOptions().setLocalOnly(true).setCodecName(NAME).setSendTimeout(sendTimeoutMillis);
  }

  /** Makes {@code bus} carry JSON objects by reference when asked to (once per event bus). */
  public static void registerOn(EventBus bus) {
    registerOnce(bus, new JsonByReference(), null);
  }
}
