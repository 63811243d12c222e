package io.feedbus.event;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A position in the timeline: an opaque, totally ordered string a client stores and hands back.
 *
 * <p>Format {@code <ts:13 digits>-<seq:6 digits>-<node:8 hex>}: fixed width, so string order is
 * time order, then sequence within the millisecond, then node. Engines compare and index the plain
 * string; nothing else needs to parse it.
 */
public final class Cursor implements Comparable<Cursor> {

  private static final Pattern FORMAT = Pattern.compile("\\d{13}-\\d{6}-[0-9a-f]{8}");
  static final int MAX_SEQUENCE = 999_999;

  private final String value;

  private Cursor(String value) {
    this.value = value;
  }

  /** Parses a cursor a client handed back; fails with {@link FeedbusException} when it is not one. */
  public static Cursor parse(String value) {
    if (value == null || !FORMAT.matcher(value).matches()) {
      throw FeedbusException.badRequest("invalid_cursor", "not a feedbus cursor: '" + value + "'");
    }
    return new Cursor(value);
  }

  /** Like {@link #parse} but null stays null (an absent cursor). */
  public static Cursor parseNullable(String value) {
    return value == null || value.isEmpty() ? null : parse(value);
  }

  static Cursor of(long ts, int sequence, String nodeTag) {
    return new Cursor(String.format("%013d-%06d-%s", ts, sequence, nodeTag));
  }

  /**
   * An exclusive lower bound that sorts before every cursor of {@code ts}: reading "after" it reads
   * everything at or after that millisecond.
   */
  public static Cursor beforeTimestamp(long ts) {
    if (ts <= 0) {
      return new Cursor("");
    }
    return new Cursor(String.format("%013d-", ts));
  }

  /** The smallest possible bound: reading after it reads everything. */
  public static Cursor origin() {
    return new Cursor("");
  }

  /** The later of two bounds, nulls ignored. */
  public static Cursor max(Cursor a, Cursor b) {
    if (a == null) return b;
    if (b == null) return a;
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Milliseconds since the epoch at which the event with this cursor was accepted. */
  public long timestamp() {
    return value.length() >= 13 ? Long.parseLong(value.substring(0, 13)) : 0L;
  }

  public boolean isAfter(Cursor other) {
    return other == null || compareTo(other) > 0;
  }

  public String value() {
    return value;
  }

  @Override
  public int compareTo(Cursor o) {
    return value.compareTo(o.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cursor && ((Cursor) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
