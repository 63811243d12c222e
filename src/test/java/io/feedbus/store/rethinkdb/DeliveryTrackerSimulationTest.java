package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives {@link DeliveryTracker} the way the change stream does, against a simulated table fed by
 * three nodes whose clocks disagree and whose commits land late and out of cursor order, through
 * connection outages and feed overflows. Every committed event must be delivered exactly once.
 */
class DeliveryTrackerSimulationTest {

  private static final int PAGE = 7;
  private static final long LOOKBACK = 2_000;

  private record Pending(long commitAt, Event event) {
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void outagesOverflowsAndLateCommitsLoseNothingAndRepeatNothing(long seed) {
    Random random = new Random(seed);
    long[] now = {1_700_000_000_000L};
    List<CursorClock> nodes = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      long skew = random.nextInt(401) - 200; // clocks within +-200 ms
      nodes.add(new CursorClock("node-" + n, () -> now[0] + skew));
    }
    TreeMap<String, Event> table = new TreeMap<>();
    PriorityQueue<Pending> inFlight = new PriorityQueue<>((a, b) -> Long.compare(a.commitAt, b.commitAt));
    List<Event> delivered = new ArrayList<>();
    DeliveryTracker tracker = new DeliveryTracker(null, LOOKBACK, 50);
    boolean connected = true;
    boolean dropping = false; // the server is skipping changes (overflow in progress)
    Cursor readAfter = tracker.beginCatchUp(false);
    boolean reading = true;
    long reconnectAt = 0;

    for (int step = 0; step < 20_000; step++) {
      now[0]++;
      boolean settling = step > 18_000;
      // Nodes accept events; each commits 0..300 ms later.
      for (CursorClock node : nodes) {
        if (!settling && random.nextInt(10) == 0) {
          Event e = new Event(node.next(), "t", step, Map.of(), node.nodeTag(), true);
          inFlight.add(new Pending(now[0] + random.nextInt(301), e));
        }
      }
      while (!inFlight.isEmpty() && inFlight.peek().commitAt <= now[0]) {
        Event e = inFlight.poll().event;
        table.put(e.id(), e);
        if (connected && !dropping) {
          tracker.offerLive(e, delivered::add);
        }
      }
      // Outages and overflows.
      if (!settling && connected && random.nextInt(1500) == 0) {
        connected = false;
        reading = false;
        reconnectAt = now[0] + 100 + random.nextInt(900);
      }
      if (!connected && now[0] >= reconnectAt) {
        connected = true;
        dropping = false;
        readAfter = tracker.beginCatchUp(true);
        reading = true;
      }
      if (connected && !settling && !dropping && random.nextInt(1000) == 0) {
        dropping = true;
      } else if (dropping && random.nextInt(50) == 0) {
        dropping = false;
        if (tracker.gap()) {
          readAfter = tracker.beginCatchUp(true);
          reading = true;
        }
      }
      // One page of the gap read per step, so live events arrive in between.
      if (connected && reading && step % 3 == 0) {
        List<Event> page = table.tailMap(readAfter.value(), false).values().stream().limit(PAGE).collect(Collectors.toList());
        tracker.acceptStored(page, delivered::add);
        if (page.size() == PAGE) {
          readAfter = page.get(PAGE - 1).cursor();
        } else {
          Cursor next = tracker.finishCatchUp(delivered::add);
          if (next == null) {
            reading = false;
          } else {
            readAfter = next;
          }
        }
      }
    }

    assertThat(inFlight).isEmpty();
    assertThat(tracker.catchingUp()).isFalse();
    Map<String, Integer> counts = new HashMap<>();
    delivered.forEach(e -> counts.merge(e.id(), 1, Integer::sum));
    assertThat(counts.values()).as("deliveries per id").allMatch(c -> c == 1);
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(table.keySet());
    assertThat(tracker.remembered()).isLessThan(table.size());
  }
}
