package io.feedbus.store;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.vertx.core.Future;
import java.util.List;

/**
 * The timeline engine SPI: a durable, cursor-ordered log of events with a change stream.
 *
 * <p>Contract (pinned by {@code EventLogContract} for every engine):
 * <ul>
 *   <li>{@link #append} completes only once every event of the batch is durable; events carry
 *       their cursor already, and a node appends one batch at a time in cursor order.</li>
 *   <li>Reads are strictly after the given cursor, in cursor order.</li>
 *   <li>{@link #changes} delivers every event appended after {@code from}, in cursor order for the
 *       events of one node, each exactly once, also across engine outages.</li>
 * </ul>
 * Every method returns without blocking the caller's thread.
 */
public interface EventLog {

  /** Stores a batch; the future completes once all of it is durable. */
  Future<Void> append(List<Event> events);

  /** Events of {@code topic} strictly after {@code after} (null: from the start), at most {@code limit}. */
  Future<List<Event>> readAfter(String topic, Cursor after, int limit);

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
