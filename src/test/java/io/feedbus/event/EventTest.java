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
