package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedElementTest {

  private final Event event = new Event(new CursorClock("n").next(), "t", "p", Map.of(), "n", true);

  private Map<String, Object> change(String type, Object oldVal, Object newVal) {
    Map<String, Object> change = new HashMap<>();
    change.put("type", type);
    change.put("old_val", oldVal);
    change.put("new_val", newVal);
    return change;
  }

  @Test
  void anAddCarriesTheEvent() {
    FeedElement element = FeedElement.classify(change("add", null, RethinkDbDocuments.toDocument(event)));
    assertThat(element.kind()).isEqualTo(FeedElement.Kind.ADD);
    assertThat(element.event().toJson()).isEqualTo(event.toJson());
  }

  @Test
  void removalsAndUpdatesAreIgnored() {
    Map<String, Object> doc = RethinkDbDocuments.toDocument(event);
    assertThat(FeedElement.classify(change("remove", doc, null)).kind()).isEqualTo(FeedElement.Kind.IGNORED);
    assertThat(FeedElement.classify(change("change", doc, doc)).kind()).isEqualTo(FeedElement.Kind.IGNORED);
  }

  @Test
  void theReadyStateSaysTheFeedIsSubscribed() {
    assertThat(FeedElement.classify(Map.of("type", "state", "state", "ready")).kind()).isEqualTo(FeedElement.Kind.READY);
    assertThat(FeedElement.classify(Map.of("type", "state", "state", "initializing")).kind()).isEqualTo(FeedElement.Kind.IGNORED);
  }

  @Test
  void theOverflowErrorElementIsAGapWithTheSkippedCount() {
    FeedElement element = FeedElement.classify(Map.of("error", "Changefeed cache over array size limit, skipped 908 elements."));
    assertThat(element.kind()).isEqualTo(FeedElement.Kind.OVERFLOW);
    assertThat(element.skipped()).isEqualTo(908);
  }

  @Test
  void withoutTypesAnInsertIsStillAnAdd() {
    Map<String, Object> change = new HashMap<>();
    change.put("old_val", null);
    change.put("new_val", RethinkDbDocuments.toDocument(event));
    assertThat(FeedElement.classify(change).kind()).isEqualTo(FeedElement.Kind.ADD);
  }
}
