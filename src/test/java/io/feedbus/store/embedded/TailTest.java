package io.feedbus.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Cursor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TailTest {

  private static final String THROUGH = "9999999999999";

  private final Tail tail = new Tail();

  private static String cursor(int ms) {
    return String.format("%013d-000000-0000abcd", 1_700_000_000_000L + ms);
  }

  private void add(int ms, String topic) {
    String json = "{\"n\":" + ms + "}";
    tail.add(cursor(ms), topic, json.getBytes(StandardCharsets.UTF_8));
    tail.added(1, json.length());
  }

  private static List<String> cursors(List<String[]> entries) {
    return entries.stream().map(e -> e[0]).toList();
  }

  @Test
  void readsMergeSegmentsByCursorWhenALaterSegmentHoldsAnOlderCursor() {
    add(10, "a");
    add(30, "a");
    add(40, "b");
    tail.seal();
    // Insert-if-absent of a cursor older than the newest written lands in the newer segment.
    add(20, "a");
    add(50, "a");

    assertThat(cursors(tail.topicAfter("a", null, THROUGH, 10))).containsExactly(cursor(10), cursor(20), cursor(30), cursor(50));
    assertThat(cursors(tail.topicAfter("a", Cursor.parse(cursor(10)), THROUGH, 2))).containsExactly(cursor(20), cursor(30));
    assertThat(cursors(tail.topicBefore("a", null, THROUGH, 3))).containsExactly(cursor(50), cursor(30), cursor(20));
    assertThat(cursors(tail.topicBefore("a", cursor(30), THROUGH, 10))).containsExactly(cursor(20), cursor(10));
    assertThat(cursors(tail.allAfter(null, THROUGH, 4))).containsExactly(cursor(10), cursor(20), cursor(30), cursor(40));
    assertThat(tail.allAfter(null, THROUGH, 10).get(3)[2]).isEqualTo("b");
    assertThat(tail.floorKey(cursor(45))).isEqualTo(cursor(40));
    assertThat(tail.floorKey(THROUGH)).isEqualTo(cursor(50));
    assertThat(tail.contains(cursor(20))).isTrue();
    assertThat(tail.contains(cursor(25))).isFalse();
  }

  @Test
  void readsStopAtTheCommitMark() {
    add(10, "a");
    add(20, "a");

    assertThat(cursors(tail.topicAfter("a", null, cursor(10), 10))).containsExactly(cursor(10));
    assertThat(cursors(tail.topicBefore("a", null, cursor(10), 10))).containsExactly(cursor(10));
    assertThat(cursors(tail.allAfter(Cursor.parse(cursor(10)), cursor(10), 10))).isEmpty();
    assertThat(tail.floorKey(cursor(5))).isNull();
  }

  @Test
  void droppingSealedSegmentsLeavesWhatWasWrittenSinceAndCountsDown() {
    add(10, "a");
    add(20, "b");
    List<Tail.Segment> first = tail.seal();
    add(30, "a");
    assertThat(tail.size()).isEqualTo(3);

    tail.drop(first);

    assertThat(tail.size()).isEqualTo(1);
    assertThat(tail.bytes()).isEqualTo("{\"n\":30}".length());
    assertThat(cursors(tail.allAfter(null, THROUGH, 10))).containsExactly(cursor(30));
    assertThat(tail.contains(cursor(10))).isFalse();
    // A pass that failed after its seal left its segments: the next seal hands them over again.
    List<Tail.Segment> second = tail.seal();
    List<Tail.Segment> third = tail.seal();
    assertThat(third).containsAll(second);
    tail.drop(third);
    assertThat(tail.size()).isZero();
    assertThat(tail.allAfter(null, THROUGH, 10)).isEmpty();
  }
}
