package io.feedbus.presence;

import io.feedbus.event.FeedbusException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The connection fields a client may set itself (query parameters of the bridge URL or of an SSE
 * stream): only those named in {@code presence.clientFields}, each a string of at most
 * {@code presence.maxClientFieldLength} characters. Other parameters are not fields and are ignored.
 */
public final class ClientFields {

  private ClientFields() {
  }

  /** The allowed fields among {@code parameters} (name -> values; the first value counts). */
  public static JsonObject from(Map<String, List<String>> parameters, PresenceOptions options) {
    JsonObject fields = new JsonObject();
    for (String name : options.clientFields) {
      List<String> values = parameters.get(name);
      if (values == null || values.isEmpty()) {
        continue;
      }
      String value = values.get(0);
      if (value.length() > options.maxClientFieldLength) {
        throw FeedbusException.badRequest("invalid_field", "field " + name + " is longer than "
            + options.maxClientFieldLength + " characters");
      }
      fields.put(name, value);
    }
    return fields;
  }
}
