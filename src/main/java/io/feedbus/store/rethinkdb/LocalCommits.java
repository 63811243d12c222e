package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The events this node stored, kept until its change streams have read past them, so a stream can
 * deliver a range from memory instead of reading it back from the table when no other writer can
 * have committed in it (see {@link NodeFrontiers.View#foreignCommitted()}). Most of what a node
 * delivers is its own: on a single node, live delivery then costs the server no reads at all.
 *
 * <p>Every write is recorded (before its cursors are settled), so memory holds every event this node
 * stored from {@link #coveredFrom()} on; ranges below it, and ranges that hold a write whose outcome
 * is unknown, are read from the table. At most {@value #MAX_EVENTS} events are kept: past that the
 * older half is dropped and coverage starts after it.
 */
final class LocalCommits {

  static final int MAX_EVENTS = 200_000;

  private final ConcurrentSkipListMap<String, Event> events = new ConcurrentSkipListMap<>();
  /** Every event this node stored at or above it is in {@link #events}. */
  private volatile Cursor coveredFrom;
  /** The highest cursor of a write whose outcome is unknown (it may be in the table, not here). */
  private volatile Cursor uncertain;

  LocalCommits(Cursor coveredFrom) {
    this.coveredFrom = coveredFrom;
  }

  Cursor coveredFrom() {
    return coveredFrom;
  }

  /** Events of a write that succeeded; call before the write's cursors are settled. */
  void stored(List<Event> stored) {
    for (Event event : stored) {
      events.put(event.id(), event);
    }
    if (events.size() > MAX_EVENTS) {
      synchronized (this) {
        int drop = events.size() / 2;
        String keepFrom = null;
        for (String key : events.keySet()) {
          if (drop-- <= 0) {
            keepFrom = key;
            break;
          }
        }
        if (keepFrom != null) {
          passed(Cursor.parse(keepFrom));
        }
      }
    }
  }

  /** A write whose outcome is unknown: ranges up to its highest cursor are read from the table. */
  synchronized void uncertain(List<Event> batch) {
    for (Event event : batch) {
      if (uncertain == null || event.cursor().compareTo(uncertain) > 0) {
        uncertain = event.cursor();
      }
    }
  }

  /**
   * The stored events of {@code [from, to)} ({@code (from, to)} when {@code fromIncluded} is false),
   * in cursor order; null when memory does not hold all of this node's events of that range.
   */
  List<Event> range(Cursor from, boolean fromIncluded, Cursor to) {
    Cursor covered = coveredFrom;
    Cursor unsure = uncertain;
    if (from.compareTo(covered) < 0 || (unsure != null && unsure.compareTo(from) >= 0)) {
      return null;
    }
    List<Event> range = new ArrayList<>(events.subMap(from.value(), fromIncluded, to.value(), false).values());
    // Coverage may have moved up meanwhile (memory full): then part of the range may be gone.
    return from.compareTo(coveredFrom) >= 0 ? range : null;
  }

  /** Forgets events below {@code bound}: every reader is past them (or, with no reader, they are settled). */
  synchronized void passed(Cursor bound) {
    if (bound == null || bound.compareTo(coveredFrom) <= 0) {
      return;
    }
    coveredFrom = bound;
    events.headMap(bound.value(), false).clear();
  }

  int size() {
    return events.size();
  }
}
