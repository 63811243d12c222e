package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The exactly-once bookkeeping of a change stream, with no I/O: which events were delivered, where
 * a gap read starts, and what the live feed sent while a gap read ran. One thread (the stream's
 * context) drives it.
 *
 * <p>Protocol: the live feed is opened first and its events are held ({@link #offerLive}) while the
 * gap is read from the table in cursor order ({@link #beginCatchUp}, {@link #acceptStored}); then
 * the held events are released ({@link #finishCatchUp}). Every event passes one filter: its cursor is
 * after the start bound and its id was not delivered yet.
 *
 * <p>Cursors come from each node's own clock, so an event of another node can commit after an
 * event with a greater cursor. A resumed read therefore starts {@code lookbackMillis} before the
 * highest delivered cursor ({@link #resumeBound}), and the ids delivered since that point are
 * remembered to drop what was seen already. Ids older than the window are forgotten: a gap read
 * never returns them again, and the live feed sends each change once.
 */
final class DeliveryTracker {

  private final Cursor startBound;
  private final long lookbackMillis;
  private final int maxBuffered;
  private final TreeSet<String> delivered = new TreeSet<>();
  private final ArrayDeque<Event> buffer = new ArrayDeque<>();
  /**
   * Ids in {@link #buffer} not delivered yet. A gap read that delivers a held event removes it here,
   * so the drain skips it even when a long catch-up has moved the dedupe window past its id.
   */
  private final HashSet<String> held = new HashSet<>();
  private Cursor position;
  private long prunedAtTs = -1;
  private boolean catchingUp;
  private boolean anotherPass;
  private long deliveredCount;
  private long duplicatesDropped;

  /**
   * @param startBound nothing at or before it is delivered (the stream's {@code from})
   * @param lookbackMillis how far before the highest delivered cursor a resumed read starts
   * @param maxBuffered live events held during a gap read before they are dropped in favour of
   *     another read pass (the table has them all)
   */
  DeliveryTracker(Cursor startBound, long lookbackMillis, int maxBuffered) {
    this.startBound = startBound == null ? Cursor.origin() : startBound;
    this.position = this.startBound;
    this.lookbackMillis = lookbackMillis;
    this.maxBuffered = maxBuffered;
  }

  /** The highest cursor delivered, or the start bound. */
  Cursor position() {
    return position;
  }

  /** Where a resumed read starts (exclusive): the lookback window before {@link #position}, not before the start. */
  Cursor resumeBound() {
    if (position.equals(startBound)) {
      return startBound;
    }
    return Cursor.max(startBound, Cursor.beforeTimestamp(position.timestamp() - lookbackMillis));
  }

  boolean catchingUp() {
    return catchingUp;
  }

  /**
   * Starts (or restarts) a gap read; live events are held until it finishes. Returns the exclusive
   * bound to read after: the position itself for the first read, the lookback window for a resume.
   */
  Cursor beginCatchUp(boolean resume) {
    catchingUp = true;
    anotherPass = false;
    return resume ? resumeBound() : position;
  }

  /** An event from the live feed: delivered now, or held while a gap read runs. */
  void offerLive(Event event, Consumer<Event> sink) {
    if (!catchingUp) {
      deliver(event, sink);
      return;
    }
    if (anotherPass) {
      return; // the next pass reads it from the table
    }
    if (buffer.size() >= maxBuffered) {
      buffer.clear();
      held.clear();
      anotherPass = true;
      return;
    }
    if (held.add(event.id())) {
      buffer.add(event);
    }
  }

  /** Events read from the table during a gap read, in cursor order. */
  void acceptStored(Iterable<Event> page, Consumer<Event> sink) {
    for (Event event : page) {
      deliver(event, sink);
    }
  }

  /**
   * The feed lost changes (server-side overflow). Returns true when the caller must start a gap
   * read now; false when one runs already (it will be followed by another pass).
   */
  boolean gap() {
    if (catchingUp) {
      anotherPass = true;
      buffer.clear();
      held.clear();
      return false;
    }
    return true;
  }

  /**
   * The gap read is exhausted. Releases the held events and returns null (live from now on), or,
   * when events were dropped meanwhile, returns the bound of the next pass (still catching up).
   */
  Cursor finishCatchUp(Consumer<Event> sink) {
    if (anotherPass) {
      return beginCatchUp(true);
    }
    while (!buffer.isEmpty()) {
      Event event = buffer.poll();
      if (held.contains(event.id())) {
        deliver(event, sink);
      }
    }
    held.clear();
    catchingUp = false;
    return null;
  }

  long deliveredCount() {
    return deliveredCount;
  }

  long duplicatesDropped() {
    return duplicatesDropped;
  }

  /** Ids remembered for dedupe (bounded by the lookback window). */
  int remembered() {
    return delivered.size();
  }

  int buffered() {
    return buffer.size();
  }

  private void deliver(Event event, Consumer<Event> sink) {
    if (!event.cursor().isAfter(startBound)) {
      return;
    }
    held.remove(event.id());
    if (!delivered.add(event.id())) {
      duplicatesDropped++;
      return;
    }
    deliveredCount++;
    if (event.cursor().compareTo(position) > 0) {
      position = event.cursor();
      prune();
    }
    sink.accept(event);
  }

  private void prune() {
    long ts = position.timestamp();
    if (ts == prunedAtTs) {
      return;
    }
    prunedAtTs = ts;
    // Keep one extra millisecond so an id exactly at the bound is never forgotten too early.
    delivered.headSet(Cursor.beforeTimestamp(ts - lookbackMillis - 1).value()).clear();
  }
}
