package io.feedbus.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CursorTest {

  @Test
  void cursorsOfOneMillisecondAreDistinctAndIncreasing() {
    CursorClock clock = new CursorClock("n1", () -> 1_700_000_000_000L);
    List<Cursor> cursors = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      cursors.add(clock.next());
    }
    for (int i = 1; i < cursors.size(); i++) {
      assertThat(cursors.get(i)).isGreaterThan(cursors.get(i - 1));
    }
  }

  @Test
  void aClockSteppingBackDoesNotMakeCursorsGoBack() {
    AtomicLong now = new AtomicLong(2_000);
    CursorClock clock = new CursorClock("n1", now::get);
    Cursor first = clock.next();
    now.set(1_000);
    Cursor second = clock.next();
    assertThat(second).isGreaterThan(first);
    assertThat(second.timestamp()).isEqualTo(2_000);
  }

  @Test
  void exhaustingTheSequenceBorrowsTheNextMillisecond() {
    CursorClock clock = new CursorClock("n1", () -> 5L);
    Cursor last = null;
    for (int i = 0; i <= Cursor.MAX_SEQUENCE + 1; i++) {
      Cursor next = clock.next();
      if (last != null) {
        assertThat(next).isGreaterThan(last);
      }
      last = next;
    }
    assertThat(last.timestamp()).isEqualTo(6L);
  }

  @Test
  void stringOrderIsTimeOrderAcrossNodes() {
    Cursor a = new CursorClock("a", () -> 999L).next();
    Cursor b = new CursorClock("b", () -> 1_000L).next();
    assertThat(a.value().compareTo(b.value())).isNegative();
    assertThat(a.timestamp()).isEqualTo(999L);
  }

  @Test
  void parseRoundTripsAndRejectsGarbage() {
    Cursor c = new CursorClock("n", () -> 42L).next();
    assertThat(Cursor.parse(c.value())).isEqualTo(c);
    assertThatThrownBy(() -> Cursor.parse("yesterday")).isInstanceOf(FeedbusException.class)
        .hasMessageContaining("not a feedbus cursor");
    assertThat(Cursor.parseNullable("")).isNull();
  }

  @Test
  void parseAcceptsExactlyThirteenDigitsSixDigitsAndEightLowercaseHexDigits() {
    assertThat(Cursor.parse("1795387492000-000042-0a1b2c3d").value()).isEqualTo("1795387492000-000042-0a1b2c3d");
    for (String bad : new String[] {"1795387492000-000042-0A1B2C3D", "1795387492000-000042-0a1b2c3", "1795387492000-000042-0a1b2c3d0",
        "1795387492000_000042-0a1b2c3d", "1795387492000-000042_0a1b2c3d", "179538749200a-000042-0a1b2c3d", "1795387492000-00004x-0a1b2c3d",
        "1795387492000-000042-0a1b2c3g", "\u0661795387492000-000042-0a1b2c3d", "", "1795387492000-"}) {
      assertThatThrownBy(() -> Cursor.parse(bad)).as(bad).isInstanceOf(FeedbusException.class);
    }
  }

  @Test
  void beforeTimestampSortsBelowEveryCursorOfThatMillisecondAndAboveEarlierOnes() {
    Cursor at = new CursorClock("n", () -> 1_000L).next();
    Cursor earlier = new CursorClock("n", () -> 999L).next();
    Cursor bound = Cursor.beforeTimestamp(1_000L);
    assertThat(bound).isLessThan(at);
    assertThat(bound).isGreaterThan(earlier);
  }
}
