package io.feedbus.event;

import io.vertx.core.json.EncodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.jackson.JacksonCodec;

/**
 * JSON text of Vert.x JSON values (objects, arrays, maps, lists, strings, numbers, booleans, null,
 * and the few extras Vert.x writes: instants, byte arrays, buffers, enums) with Jackson's streaming
 * generator. {@link Json#encode} goes through databind, which builds a serializer provider for every
 * call: on the publish path that was a tenth of an event loop's time. The text is the same; a value
 * only databind can write (an arbitrary object) falls back to it.
 */
public final class JsonText {

  private static final JacksonCodec STREAMING = new JacksonCodec();

  private JsonText() {
  }

  public static String encode(Object value) {
    try {
      return STREAMING.toString(value, false);
    } catch (EncodeException e) {
      return Json.encode(value);
    }
  }
}
