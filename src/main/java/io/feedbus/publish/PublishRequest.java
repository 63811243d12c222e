package io.feedbus.publish;

import io.feedbus.event.Ack;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.JsonByReference;
import io.feedbus.event.JsonText;
import io.feedbus.event.Nodes;
import io.feedbus.event.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * A validated publish request: {@code {topic, payload, headers?, persist?}}. {@code payloadJson} is
 * the payload's JSON text when validation encoded it already (to measure it), else null; the stored
 * event reuses it instead of encoding the payload again.
 */
public record PublishRequest(String topic, Object payload, Map<String, String> headers, boolean persist, String payloadJson) {

  public PublishRequest(String topic, Object payload, Map<String, String> headers, boolean persist) {
    this(topic, payload, headers, persist, null);
  }

  public static final String ADDRESS = "feedbus.publish";
  /**
   * This node's publish service for callers on its own Vert.x (HTTP routes, bridge, Java client): the
   * request body goes by reference ({@link io.feedbus.event.JsonByReference}) and the reply is the
   * {@link io.feedbus.event.Ack} itself, so neither is copied or encoded on the way. Not under
   * {@code feedbus.publish.} (a dash, not a dot), so no bridge permission pattern for that address covers it.
   */
  public static final String LOCAL_ADDRESS = "feedbus.publish-local";

  /**
   * Sends a request body the caller gives up (it must not touch it afterwards) to this Vert.x's own
   * publish service when it runs a broker node, by reference and answered with the {@link Ack} itself;
   * otherwise to any node's, as JSON. Fails as the service does ({@code ReplyException}s with its codes).
   */
  public static Future<Ack> send(Vertx vertx, JsonObject body, long timeoutMillis) {
    Future<Ack> direct = DirectPublish.send(vertx, body, timeoutMillis);
    if (direct != null) {
      return direct;
    }
    if (Nodes.local(vertx) != null) {
      return vertx.eventBus().request(LOCAL_ADDRESS, body, JsonByReference.localDelivery(timeoutMillis)).map(m -> (Ack) m.body());
    }
    return vertx.eventBus().<JsonObject>request(ADDRESS, body, new DeliveryOptions().setSendTimeout(timeoutMillis))
        .map(m -> Ack.fromJson(m.body()));
  }

  /** Validates a request body; throws {@link FeedbusException} (400 or 413) naming what is wrong. */
  public static PublishRequest parse(JsonObject body, int maxPayloadBytes) {
    if (body == null) {
      throw FeedbusException.badRequest("bad_request", "the request must be a JSON object");
    }
    for (String field : body.fieldNames()) {
      if (!isField(field)) {
        throw FeedbusException.badRequest("unknown_field", "unknown field '" + field + "'; expected topic, payload, headers, persist");
      }
    }
    String topic = Topic.validate(body.getValue("topic"));
    if (!body.containsKey("payload")) {
      throw FeedbusException.badRequest("missing_payload", "payload is missing (any JSON value, null included)");
    }
    Object payload = body.getValue("payload");
    String nonFinite = nonFinite(payload, "payload");
    if (nonFinite != null) {
      // JSON has no Infinity or NaN: stored, they would come back as strings.
      throw FeedbusException.badRequest("invalid_number", nonFinite + " is not a finite number (1e999, NaN and Infinity are refused)");
    }
    Map<String, String> headers = headers(body.getValue("headers"));
    // Headers travel and are stored with the payload: they count toward the same limit.
    String payloadJson = JsonText.encode(payload);
    int size = utf8Length(payloadJson) + (headers.isEmpty() ? 0 : utf8Length(JsonText.encode(headers)));
    if (size > maxPayloadBytes) {
      throw FeedbusException.payloadTooLarge("payload and headers are " + size + " bytes; the limit is " + maxPayloadBytes);
    }
    Object persist = body.getValue("persist", Boolean.TRUE);
    if (!(persist instanceof Boolean)) {
      throw FeedbusException.badRequest("invalid_persist", "persist must be true or false");
    }
    return new PublishRequest(topic, payload, headers, (Boolean) persist, payloadJson);
  }

  private static boolean isField(String name) {
    return switch (name) {
      case "topic", "payload", "headers", "persist" -> true;
      default -> false;
    };
  }

  /** The length of {@code getBytes(UTF_8)}, without encoding: a lone surrogate counts as the one byte ('?') it becomes. */
  static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** The path of the first non-finite number in {@code value} (e.g. {@code payload.a[2]}), or null. */
  private static String nonFinite(Object value, String path) {
    String rest = nonFiniteAt(value);
    return rest == null ? null : path + rest;
  }

  /**
   * Where in {@code value} its first non-finite number is ({@code ""}: the value itself), or null when
   * it has none. Every publish walks its payload here: over the raw maps and lists, with no wrappers,
   * and the path is spelled only on the way back from a number found.
   */
  private static String nonFiniteAt(Object value) {
    if (value instanceof Double d) {
      return Double.isFinite(d) ? null : "";
    }
    if (value instanceof Float f) {
      return Float.isFinite(f) ? null : "";
    }
    Object raw = value instanceof JsonObject o ? o.getMap() : value instanceof JsonArray a ? a.getList() : value;
    if (raw instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String rest = nonFiniteAt(e.getValue());
        if (rest != null) {
          return "." + e.getKey() + rest;
        }
      }
    } else if (raw instanceof java.util.List<?> list) {
      int i = 0;
      for (Object v : list) {
        String rest = nonFiniteAt(v);
        if (rest != null) {
          return "[" + i + "]" + rest;
        }
        i++;
      }
    }
    return null;
  }

  private static Map<String, String> headers(Object value) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject)) {
      throw FeedbusException.badRequest("invalid_headers", "headers must be an object of strings");
    }
    Map<String, String> headers = new HashMap<>();
    for (Map.Entry<String, Object> e : (JsonObject) value) {
      if (!(e.getValue() instanceof String)) {
        throw FeedbusException.badRequest("invalid_headers", "header '" + e.getKey() + "' must be a string");
      }
      headers.put(e.getKey(), (String) e.getValue());
    }
    return headers;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("topic", topic).put("payload", payload).put("persist", persist);
    if (!headers.isEmpty()) {
      json.put("headers", new JsonObject(new HashMap<>(headers)));
    }
    return json;
  }
}
