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

  private static final int LENGTH = 29;
  static final int MAX_SEQUENCE = 999_999;

  private final String value;

  private Cursor(String value) {
    this.value = value;
  }

  /** Parses a cursor a client handed back; fails with {@link FeedbusException} when it is not one. */
  public static Cursor parse(String value) {
    if (!wellFormed(value)) {
      throw FeedbusException.badRequest("invalid_cursor", "not a feedbus cursor: '" + value + "'");
    }
    return new Cursor(value);
  }

  /**
   * {@code \d{13}-\d{6}-[0-9a-f]{8}}, checked by hand: every event a store reads back is parsed,
   * and a regular expression was a tenth of a page read.
   */
  private static boolean wellFormed(String value) {
    if (value == null || value.length() != LENGTH || value.charAt(13) != '-' || value.charAt(20) != '-') {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = value.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      boolean allowed = i == 13 || i == 20 || digit || (i > 20 && c >= 'a' && c <= 'f');
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  private static final Pattern BOUND = Pattern.compile("(\\d{13}-(\\d{6}-)?)?");

  /**
   * Parses a cursor or a bound between cursors ({@code ""}, {@code <ts>-}, {@code <ts>-<seq>-}), as
   * commit frontiers are stored.
   */
  public static Cursor parseBound(String value) {
    if (value != null && BOUND.matcher(value).matches()) {
      return new Cursor(value);
    }
    return parse(value);
  }

  /** Like {@link #parse} but null stays null (an absent cursor). */
  public static Cursor parseNullable(String value) {
    return value == null || value.isEmpty() ? null : parse(value);
  }

  static Cursor of(long ts, int sequence, String nodeTag) {
    StringBuilder value = new StringBuilder(21 + nodeTag.length());
    digits(value, ts, 13).append('-');
    digits(value, sequence, 6).append('-');
    return new Cursor(value.append(nodeTag).toString());
  }

  /** Zero-padded decimal, as {@code %0<width>d} (cursors are made per event: no format parsing). */
  private static StringBuilder digits(StringBuilder out, long value, int width) {
    String text = Long.toString(value);
    for (int i = text.length(); i < width; i++) {
      out.append('0');
    }
    return out.append(text);
  }

  /**
   * A bound between cursors: after every cursor of milliseconds before {@code ts} and of {@code ts}
   * with a smaller sequence, before every cursor of {@code (ts, sequence)} and later ones, whatever
   * their node. Commit frontiers are bounds like this one.
   */
  static Cursor bound(long ts, int sequence) {
    StringBuilder value = new StringBuilder(21);
    digits(value, ts, 13).append('-');
    return new Cursor(digits(value, sequence, 6).append('-').toString());
  }

  /** The sequence within the millisecond; -1 for a bound made by {@link #beforeTimestamp}. */
  int sequence() {
    return value.length() >= 20 ? Integer.parseInt(value.substring(14, 20)) : -1;
  }

  /**
   * An exclusive lower bound that sorts before every cursor of {@code ts}: reading "after" it reads
   * everything at or after that millisecond.
   */
  public static Cursor beforeTimestamp(long ts) {
    if (ts <= 0) {
      return new Cursor("");
    }
    return new Cursor(digits(new StringBuilder(14), ts, 13).append('-').toString());
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
