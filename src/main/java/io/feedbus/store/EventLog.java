package io.feedbus.store;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.vertx.core.Future;
import java.util.List;

/**
 * The timeline engine SPI: a durable, cursor-ordered log of events with a change stream.
 *
 * <p>Contract (pinned by {@code EventLogContract} for every engine):
 * <ul>
 *   <li>{@link #append} completes only once every event of the batch is durable; events carry
 *       their cursor already, taken from {@link #clock()}. When only some of a batch could be
 *       stored it fails with {@link PartialAppendException}, which says which.</li>
 *   <li>Reads are strictly after the given cursor, in cursor order, and never return an event
 *       before every event with a smaller cursor is readable too (on a shared store: below the
 *       lowest commit frontier of all nodes), so a reader that resumes after the last cursor it saw
 *       misses nothing.</li>
 *   <li>{@link #changes} delivers every event appended after {@code from}, in cursor order, each
 *       exactly once, also across engine outages.</li>
 * </ul>
 * Every method returns without blocking the caller's thread.
 */
public interface EventLog {

  /** Stores a batch; the future completes once all of it is durable. */
  Future<Void> append(List<Event> events);

  /**
   * The clock this engine's events take their cursors from, seeded from the store so cursors never
   * go back (restarts, clock steps, other nodes). Writers {@link CursorClock#settle} each cursor
   * they took once its append is over.
   */
  CursorClock clock();

  /** How many appends a writer may have in flight at once (their commits may complete in any order). */
  default int maxAppendsInFlight() {
    return 1;
  }

  /** Events of {@code topic} strictly after {@code after} (null: from the start), at most {@code limit}. */
  Future<List<Event>> readAfter(String topic, Cursor after, int limit);

  /**
   * Like {@link #readAfter(String, Cursor, int)}, and the events hold at most {@code maxBytes} of
   * JSON text (their stored encoding), but for the first: a page always has one event, if there is one.
   * The engine stops reading at the bound, so a read never holds more than the bound plus one event.
   */
  Future<Page> readPage(String topic, Cursor after, int limit, long maxBytes);

  /**
   * The newest events of {@code topic} strictly before {@code before} (null: the newest of all), at
   * most {@code limit} and, but for the first, {@code maxBytes} of JSON text, bounded as
   * {@link #readPage} is. Returned in cursor order, oldest first, like every read; {@code full}
   * when older events exist, so reading on before the first event's cursor gives more. Like every
   * read it stops where every earlier event is readable, so the page's newest cursor is a place to
   * resume live delivery from without a gap.
   */
  Future<Page> readBefore(String topic, Cursor before, int limit, long maxBytes);

  /**
   * A bounded read: {@code full} when it stopped at its limit or its byte bound, so more may follow
   * after the last event ({@link #readPage}), or when older events exist before the first
   * ({@link #readBefore}).
   */
  record Page(List<Event> events, boolean full) {
  }

  /** Events of {@code topic} with {@code ts >= sinceTs}, at most {@code limit}. */
  default Future<List<Event>> readSince(String topic, long sinceTs, int limit) {
    return readAfter(topic, Cursor.beforeTimestamp(sinceTs), limit);
  }

  /** Events of all topics strictly after {@code after}, at most {@code limit}: how a feed fills a gap. */
  Future<List<Event>> readAllAfter(Cursor after, int limit);

  /** The cursor of the newest stored event, or null when the log is empty. */
  Future<Cursor> latest();

  /**
   * Streams every event appended after {@code from} (null: after {@link #latest()} at the time of
   * the call) to {@code listener}, first what is already stored, then live, on the caller's context.
   */
  Future<ChangeStream> changes(Cursor from, ChangeListener listener);

  /** Removes events by id (how transient, {@code persist: false}, events leave after delivery). */
  Future<Void> delete(List<Event> events);

  /** Removes every event of a topic; returns how many. */
  Future<Long> purge(String topic);

  /** Removes every event older than {@code olderThanTs} (epoch ms); returns how many. */
  Future<Long> trim(long olderThanTs);

  /**
   * True when every node sees every event through this engine's change stream (a shared database),
   * so a node delivers only to its local bus; false when each node has its own log (embedded), so a
   * node delivers cluster-wide.
   */
  boolean sharedAcrossNodes();

  /** Closes the engine and every change stream it opened. */
  Future<Void> close();
}
