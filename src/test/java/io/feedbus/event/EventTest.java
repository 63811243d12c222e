package io.feedbus.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTest {

  private final CursorClock clock = new CursorClock("event-test", () -> 1_700_000_000_000L);

  @Test
  @SuppressWarnings("unchecked")
  void aPublishedEventEncodesWithItsValidatedPayloadTextAsToJsonWould() {
    Object[] payloads = {
        new JsonObject().put("n", 1).put("list", new JsonArray().add(2.5).add("x").addNull()).put("big", Long.MAX_VALUE),
        new JsonObject().put("quote\"d", "line\nbreak \u0001 \u00e9 \u2028 \ud83d\ude00 \\ /").put("nested", new JsonObject().put("e", 1e-7)),
        "plain text", 42, -0.5, true, null, new JsonArray().add(new JsonObject()).add(new JsonArray()), new JsonObject()};
    Map<?, ?>[] headerSets = {Map.of(), Map.of("trace", "abc", "span", "7", "odd", "\"\t\u00e9")};
    String[] origins = {"node-1", null, "n\u00f6de \"q\""};
    for (Object payload : payloads) {
      for (Map<?, ?> headers : headerSets) {
        for (String origin : origins) {
          JsonObject body = new JsonObject().put("topic", "orders.eu-1:x_y").put("payload", payload)
              .put("headers", headers.isEmpty() ? null : new JsonObject(new java.util.HashMap<>((Map<String, Object>) headers)));
          if (headers.isEmpty()) {
            body.remove("headers");
          }
          io.feedbus.publish.PublishRequest request = io.feedbus.publish.PublishRequest.parse(body, 1 << 20);
          assertThat(request.payloadJson()).isNotNull();
          Event event = new Event(clock.next(), request.topic(), request.payload(), request.payloadJson(), request.headers(), origin, origin == null);
          assertThat(event.encode()).as("payload %s, headers %s, origin %s", payload, headers, origin).isEqualTo(event.toJson().encode());
          assertThat(Event.stored(event.cursor(), event.topic(), event.encode()).toJson()).isEqualTo(event.toJson());
        }
      }
    }
  }

  @Test
  void anEventsUtf8IsItsTextEncodedOnceWhetherPublishedOrStored() {
    Event published = new Event(clock.next(), "orders", new JsonObject().put("caf\u00e9", "\ud83d\ude00 \u00fc"), Map.of("h", "\u00e9"), null, true);
    byte[] bytes = published.encodeUtf8();
    assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(published.encode());
    assertThat(published.encodeUtf8()).isSameAs(bytes);
    Event stored = Event.stored(published.cursor(), published.topic(), published.encode());
    assertThat(stored.encodeUtf8()).isEqualTo(bytes);
  }

  @Test
  void theEventCodecPassesTheInstanceLocallyAndItsTextOnTheWire() {
    Event event = new Event(clock.next(), "orders", new JsonObject().put("caf\u00e9", 1), Map.of("h", "v"), "node-1", true);
    EventCodec codec = new EventCodec();
    assertThat(codec.transform(event)).isSameAs(event);
    io.vertx.core.buffer.Buffer wire = io.vertx.core.buffer.Buffer.buffer("xx");
    codec.encodeToWire(wire, event);
    Event decoded = codec.decodeFromWire(2, wire);
    assertThat(decoded.encode()).isEqualTo(event.encode());
    assertThat(decoded.cursor()).isEqualTo(event.cursor());
  }

  @Test
  void aStoredEventYieldsTheFieldsOfTheEventItWasEncodedFrom() {
    Event published = new Event(clock.next(), "orders", new JsonObject().put("n", 1).put("list", new JsonArray().add(2.5).add("x")),
        Map.of("trace", "abc", "span", "7"), "node-1", false);
    Event stored = Event.stored(published.cursor(), published.topic(), published.toJson().encode());
    assertThat(stored.payload()).isEqualTo(published.payload());
    assertThat(stored.headers()).isEqualTo(published.headers());
    assertThat(stored.origin()).isEqualTo("node-1");
    assertThat(stored.persist()).isFalse();
    assertThat(stored.ts()).isEqualTo(published.ts());
    assertThat(stored.toJson()).isEqualTo(published.toJson());
  }

  @Test
  void anAckEncodesAsItsJsonDoesWhetherOrNotItsTextNeedsEscaping() {
    Ack plain = new Ack("0001733462400000-000001-node-1", "0001733462400000-000001-node-1", 1_733_462_400_000L);
    assertThat(plain.encode()).isEqualTo(plain.toJson().encode());
    Ack odd = new Ack("a\"b", "c\\d\u00e9", 7);
    assertThat(odd.encode()).isEqualTo(odd.toJson().encode());
    assertThat(Ack.fromJson(new io.vertx.core.json.JsonObject(odd.encode()))).isEqualTo(odd);
  }

  @Test
  void aStoredEventWithoutOriginOrHeadersReadsBackAsDurableAndBare() {
    Event published = new Event(clock.next(), "orders", null, null, null, true);
    Event stored = Event.stored(published.cursor(), published.topic(), published.toJson().encode());
    assertThat(stored.payload()).isNull();
    assertThat(stored.headers()).isEmpty();
    assertThat(stored.origin()).isNull();
    assertThat(stored.persist()).isTrue();
    assertThat(stored.toJson()).isEqualTo(published.toJson());
  }

  @Test
  void aStoredEventEncodesAsItsStoredTextWithoutParsingIt() {
    Cursor cursor = clock.next();
    String text = "not json: parsed only when a field is asked for";
    Event stored = Event.stored(cursor, "orders", text);
    assertThat(stored.encode()).isSameAs(text);
    assertThat(stored.cursor()).isEqualTo(cursor);
    assertThat(stored.topic()).isEqualTo("orders");
    assertThatThrownBy(stored::payload).isInstanceOf(DecodeException.class);
  }

  @Test
  void anEventBuiltInMemoryEncodesAsItsJson() {
    Event event = new Event(clock.next(), "orders", "text \u00e9", Map.of("k", "v"), "node-1", true);
    assertThat(event.encode()).isEqualTo(event.toJson().encode());
  }
}
