package io.feedbus.presence;

import io.feedbus.event.FeedbusException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The connection fields a client may set itself (query parameters of the bridge URL or of an SSE
 * stream) and those its token sets (the claim {@code auth.fieldsClaim}): only those named in
 * {@code presence.clientFields}, each a string of at most {@code presence.maxClientFieldLength}
 * characters. A token's field wins over the client's own: the identity provider vouches for it.
 * Other parameters and claim entries are not fields and are ignored.
 */
public final class ClientFields {

  private ClientFields() {
  }

  /** The allowed fields among {@code tokenFields} and {@code parameters} (name -> values; the first value counts). */
  public static JsonObject from(Map<String, List<String>> parameters, Map<String, String> tokenFields, PresenceOptions options) {
    JsonObject fields = new JsonObject();
    for (String name : options.clientFields) {
      String value = tokenFields.get(name);
      String origin = "the token's field ";
      if (value == null) {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty()) {
          continue;
        }
        value = values.get(0);
        origin = "field ";
      }
      if (value.length() > options.maxClientFieldLength) {
        throw FeedbusException.badRequest("invalid_field", origin + name + " is longer than "
            + options.maxClientFieldLength + " characters");
      }
      fields.put(name, value);
    }
    return fields;
  }
}
