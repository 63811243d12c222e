package io.feedbus.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * Hands out strictly increasing cursors for one node, also within one millisecond and when the
 * wall clock steps back (then it keeps counting on the last millisecond it saw).
 */
public final class CursorClock {

  private final String nodeTag;
  private final LongSupplier wallClock;
  private long lastTs;
  private int sequence;

  public CursorClock(String nodeId) {
    this(nodeId, System::currentTimeMillis);
  }

  public CursorClock(String nodeId, LongSupplier wallClock) {
    this.nodeTag = tagOf(nodeId);
    this.wallClock = wallClock;
  }

  /** The next cursor; callers that need commit order must call it in commit order. */
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
    return Cursor.of(lastTs, sequence, nodeTag);
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
