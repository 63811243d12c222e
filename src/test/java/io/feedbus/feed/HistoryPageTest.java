package io.feedbus.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryPageTest {

  private final CursorClock clock = new CursorClock("page-test", () -> 1_700_000_000_000L);

  private List<Event> events() {
    Event inMemory = new Event(clock.next(), "t", new JsonObject().put("n", 1), Map.of("k", "v"), "node-1", true);
    Event source = new Event(clock.next(), "t", "caf\u00e9 \"q\"", Map.of(), null, false);
    Event stored = Event.stored(source.cursor(), source.topic(), source.toJson().encode());
    return List.of(inMemory, stored);
  }

  @Test
  void aPageEncodesExactlyAsItsJson() {
    List<Event> events = events();
    for (HistoryPage page : new HistoryPage[] {new HistoryPage(events, "next", events.get(1).id()),
        new HistoryPage(events, "older", events.get(0).id()), new HistoryPage(events, "next", null), new HistoryPage(List.of(), "next", null)}) {
      assertThat(page.encode()).isEqualTo(page.toJson().encode());
    }
  }

  @Test
  void aPageCrossesTheWireAsTheSameEventsAndLead() {
    List<Event> events = events();
    MessageCodec<HistoryPage, HistoryPage> codec = codec();
    for (HistoryPage page : new HistoryPage[] {new HistoryPage(events, "next", events.get(1).id()),
        new HistoryPage(events, "older", events.get(0).id()), new HistoryPage(events, "next", null)}) {
      Buffer wire = Buffer.buffer().appendString("before");
      codec.encodeToWire(wire, page);
      HistoryPage back = codec.decodeFromWire("before".length(), wire);
      assertThat(back.toJson()).isEqualTo(page.toJson());
      assertThat(back.lead()).isEqualTo(page.lead());
    }
  }

  @Test
  void aPageStaysTheSameObjectOnItsOwnVertx() {
    HistoryPage page = new HistoryPage(events(), "next", null);
    assertThat(codec().transform(page)).isSameAs(page);
  }

  @Test
  void registeringTheCodecTwiceOnOneBusIsHarmless() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      HistoryPageCodec.registerOn(vertx.eventBus());
      HistoryPageCodec.registerOn(vertx.eventBus()); // a second feed on the same Vert.x
    } finally {
      vertx.close();
    }
  }

  private static MessageCodec<HistoryPage, HistoryPage> codec() {
    return new HistoryPageCodec();
  }
}
