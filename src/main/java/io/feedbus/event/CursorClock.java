package io.feedbus.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Hands out strictly increasing cursors for one node, also within one millisecond and when the
 * wall clock steps back (then it keeps counting on the last millisecond it saw), and knows this
 * node's <em>commit frontier</em>.
 *
 * <p>A cursor handed out by {@link #next()} is <em>held</em> until its write is settled (stored or
 * failed, {@link #settle}: engines settle what they append once the write is over, and whoever takes
 * a cursor it does not append must settle it); {@link #frontier()} is a bound below which every cursor of this node is
 * settled and above which every future one will be: the oldest held cursor, or, when none is held,
 * a bound at the current time that the clock will not hand out cursors below. Readers of a shared
 * store deliver up to the lowest frontier of all nodes, so nothing can commit behind them.
 *
 * <p>{@link #observe} moves the clock past a cursor seen elsewhere (the newest stored one at start,
 * another node's frontier), so cursors never go back across restarts, clock steps or nodes.
 */
public final class CursorClock {

  private final String nodeTag;
  private final LongSupplier wallClock;
  private final TreeSet<String> held = new TreeSet<>();
  private final List<Runnable> settleListeners = new CopyOnWriteArrayList<>();
  private long lastTs;
  /** The last sequence handed out in {@link #lastTs}; -1 when none was. */
  private int sequence = -1;

  public CursorClock(String nodeId) {
    this(nodeId, System::currentTimeMillis);
  }

  public CursorClock(String nodeId, LongSupplier wallClock) {
    this.nodeTag = tagOf(nodeId);
    this.wallClock = wallClock;
  }

  /** The next cursor, held until {@link #settle}d; callers that need commit order must call it in commit order. */
  public synchronized Cursor next() {
    long now = wallClock.getAsLong();
    if (now > lastTs) {
      lastTs = now;
      sequence = 0;
    } else if (sequence < Cursor.MAX_SEQUENCE) {
      sequence++;
    } else {
      // A million events in one millisecond: borrow the next millisecond rather than repeat.
      lastTs++;
      sequence = 0;
    }
    Cursor cursor = Cursor.of(lastTs, sequence, nodeTag);
    held.add(cursor.value());
    return cursor;
  }

  /** Holds the cursors of a batch being written (a no-op for those held already) and moves the clock past them. */
  public synchronized void hold(Collection<Event> events) {
    for (Event event : events) {
      held.add(event.id());
      observe(event.cursor());
    }
  }

  /** The writes of these events are over (stored or failed): they no longer hold the frontier back. Idempotent. */
  public void settle(Collection<Event> events) {
    synchronized (this) {
      for (Event event : events) {
        held.remove(event.id());
      }
    }
    settleListeners.forEach(Runnable::run);
  }

  /** Moves the clock so that every cursor it hands out from now on sorts after {@code seen}. */
  public synchronized void observe(Cursor seen) {
    if (seen == null) {
      return;
    }
    long ts = seen.timestamp();
    int seq = seen.sequence();
    if (ts > lastTs || (ts == lastTs && seq > sequence)) {
      lastTs = ts;
      sequence = seq;
    }
  }

  /**
   * This node's commit frontier: every cursor of this node below it is settled, and every cursor it
   * hands out later sorts at or above it.
   */
  public synchronized Cursor frontier() {
    if (!held.isEmpty()) {
      return Cursor.parse(held.first());
    }
    long now = wallClock.getAsLong();
    if (now > lastTs) {
      lastTs = now;
      sequence = -1;
    }
    if (sequence < 0) {
      return Cursor.beforeTimestamp(lastTs);
    }
    if (sequence < Cursor.MAX_SEQUENCE) {
      return Cursor.bound(lastTs, sequence + 1);
    }
    lastTs++;
    sequence = -1;
    return Cursor.beforeTimestamp(lastTs);
  }

  /** Runs after every {@link #settle} (outside the clock's lock): the frontier may have moved. */
  public void onSettle(Runnable listener) {
    settleListeners.add(listener);
  }

  public String nodeTag() {
    return nodeTag;
  }

  static String tagOf(String nodeId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(nodeId.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
