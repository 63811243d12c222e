package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The exactly-once rules of a change stream, without a server. */
class DeliveryTrackerTest {

  private final AtomicLong timeA = new AtomicLong(1_700_000_000_000L);
  private final AtomicLong timeB = new AtomicLong(1_700_000_000_000L);
  private final CursorClock nodeA = new CursorClock("node-a", timeA::get);
  private final CursorClock nodeB = new CursorClock("node-b", timeB::get);
  private final List<Event> delivered = new ArrayList<>();

  private Event a(String payload) {
    return new Event(nodeA.next(), "t", payload, Map.of(), "node-a", true);
  }

  private Event b(String payload) {
    return new Event(nodeB.next(), "t", payload, Map.of(), "node-b", true);
  }

  private List<Object> payloads() {
    return delivered.stream().map(Event::payload).collect(Collectors.toList());
  }

  @Test
  void liveEventsHeldDuringTheGapReadComeAfterItWithoutDuplicates() {
    Event e1 = a("1");
    Event e2 = a("2");
    Event e3 = a("3");
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 100);
    Cursor bound = tracker.beginCatchUp(false);
    assertThat(bound).isEqualTo(Cursor.origin());
    tracker.offerLive(e2, delivered::add); // committed after the feed opened, also seen by the read
    tracker.offerLive(e3, delivered::add);
    assertThat(delivered).isEmpty();
    tracker.acceptStored(List.of(e1, e2), delivered::add);
    assertThat(tracker.finishCatchUp(delivered::add)).isNull();
    tracker.offerLive(e3, delivered::add); // never twice, even if offered again
    assertThat(payloads()).containsExactly("1", "2", "3");
    assertThat(tracker.position()).isEqualTo(e3.cursor());
    assertThat(tracker.duplicatesDropped()).isEqualTo(1);
  }

  @Test
  void aHeldEventTheGapReadDeliveredIsNotRepeatedAfterALongCatchUp() {
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 100);
    tracker.beginCatchUp(false);
    Event held = a("held");
    tracker.offerLive(held, delivered::add);
    timeA.addAndGet(10_000); // the gap read goes on far past the dedupe window of the held event
    Event later = a("later");
    tracker.acceptStored(List.of(held, later), delivered::add);
    assertThat(tracker.finishCatchUp(delivered::add)).isNull();
    assertThat(payloads()).containsExactly("held", "later");
  }

  @Test
  void nothingAtOrBeforeTheStartBoundIsDelivered() {
    Event old = a("old");
    Event start = a("start");
    Event next = a("next");
    DeliveryTracker tracker = new DeliveryTracker(start.cursor(), 2000, 100);
    tracker.beginCatchUp(false);
    tracker.acceptStored(List.of(old, start, next), delivered::add);
    tracker.finishCatchUp(delivered::add);
    tracker.offerLive(old, delivered::add);
    assertThat(payloads()).containsExactly("next");
  }

  @Test
  void aResumeReadsFromTheLookbackWindowAndDeliversOnlyWhatWasMissed() {
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 100);
    tracker.beginCatchUp(false);
    tracker.finishCatchUp(delivered::add);
    timeA.addAndGet(10_000);
    timeB.addAndGet(10_000);
    Event fromB = b("b-late"); // node B's cursor is older ...
    timeA.addAndGet(500);
    Event fromA = a("a");
    tracker.offerLive(fromA, delivered::add); // ... but A's event committed first; then the connection dropped
    Cursor bound = tracker.beginCatchUp(true);
    assertThat(bound).isEqualTo(Cursor.beforeTimestamp(fromA.ts() - 2000));
    assertThat(bound.compareTo(fromB.cursor())).isLessThan(0);
    tracker.acceptStored(List.of(fromB, fromA), delivered::add);
    tracker.finishCatchUp(delivered::add);
    assertThat(payloads()).containsExactly("a", "b-late");
    assertThat(tracker.position()).isEqualTo(fromA.cursor());
  }

  @Test
  void theResumeBoundNeverGoesBeforeTheStart() {
    Event start = a("start");
    timeA.addAndGet(100);
    Event next = a("next");
    DeliveryTracker tracker = new DeliveryTracker(start.cursor(), 2000, 100);
    assertThat(tracker.resumeBound()).isEqualTo(start.cursor());
    tracker.beginCatchUp(false);
    tracker.acceptStored(List.of(next), delivered::add);
    tracker.finishCatchUp(delivered::add);
    assertThat(tracker.resumeBound()).isEqualTo(start.cursor());
  }

  @Test
  void anOverflowDuringAGapReadAsksForAnotherPass() {
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 100);
    tracker.beginCatchUp(false);
    Event e1 = a("1");
    Event e2 = a("2");
    tracker.offerLive(e2, delivered::add);
    assertThat(tracker.gap()).isFalse(); // a read runs already
    tracker.acceptStored(List.of(e1), delivered::add);
    Cursor next = tracker.finishCatchUp(delivered::add);
    assertThat(next).isEqualTo(tracker.resumeBound());
    assertThat(tracker.catchingUp()).isTrue();
    tracker.acceptStored(List.of(e1, e2), delivered::add);
    assertThat(tracker.finishCatchUp(delivered::add)).isNull();
    assertThat(payloads()).containsExactly("1", "2");
  }

  @Test
  void anOverflowWhileLiveAsksTheCallerToReadTheGap() {
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 100);
    tracker.beginCatchUp(false);
    tracker.finishCatchUp(delivered::add);
    assertThat(tracker.gap()).isTrue();
  }

  @Test
  void tooManyHeldEventsAreDroppedForAnotherReadPass() {
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 3);
    tracker.beginCatchUp(false);
    List<Event> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Event e = a(String.valueOf(i));
      all.add(e);
      tracker.offerLive(e, delivered::add);
    }
    assertThat(tracker.buffered()).isZero();
    assertThat(tracker.finishCatchUp(delivered::add)).isNotNull();
    tracker.acceptStored(all, delivered::add);
    assertThat(tracker.finishCatchUp(delivered::add)).isNull();
    assertThat(delivered).containsExactlyElementsOf(all);
  }

  @Test
  void rememberedIdsStayWithinTheLookbackWindow() {
    DeliveryTracker tracker = new DeliveryTracker(null, 2000, 100);
    tracker.beginCatchUp(false);
    tracker.finishCatchUp(delivered::add);
    for (int i = 0; i < 100; i++) {
      timeA.addAndGet(100);
      tracker.offerLive(a(String.valueOf(i)), delivered::add);
    }
    // 100 ms apart: the window of 2 s (plus one ms of slack) holds the last 21.
    assertThat(tracker.remembered()).isBetween(20, 22);
    assertThat(delivered).hasSize(100);
  }
}
