package io.feedbus.store.rethinkdb;

import io.feedbus.event.Event;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One element of a {@code changes({include_types, include_states})} feed over the events table,
 * reduced to what the change stream acts on.
 */
record FeedElement(Kind kind, Event event, long skipped, String detail) {

  /** What the element means for the stream. */
  enum Kind {
    /** A new event ({@code type: add}). */
    ADD,
    /** The feed is subscribed: everything committed from now on will arrive ({@code state: ready}). */
    READY,
    /** The server dropped changes because the reader fell behind: re-read the table. */
    OVERFLOW,
    /** Updates, removals (transient events leaving, trims, purges) and other states. */
    IGNORED
  }

  private static final Pattern SKIPPED = Pattern.compile("skipped (\\d+) elements");

  static FeedElement classify(Object raw) {
    if (!(raw instanceof Map)) {
      return new FeedElement(Kind.IGNORED, null, 0, String.valueOf(raw));
    }
    Map<?, ?> element = (Map<?, ?>) raw;
    Object error = element.get("error");
    if (error instanceof String && !element.containsKey("new_val")) {
      // "Changefeed cache over array size limit, skipped N elements."
      Matcher m = SKIPPED.matcher((String) error);
      return new FeedElement(Kind.OVERFLOW, null, m.find() ? Long.parseLong(m.group(1)) : -1, (String) error);
    }
    Object state = element.get("state");
    if (state != null) {
      return new FeedElement("ready".equals(state) ? Kind.READY : Kind.IGNORED, null, 0, String.valueOf(state));
    }
    Object type = element.get("type");
    Object newVal = element.get("new_val");
    boolean added = type == null ? newVal != null && element.get("old_val") == null : "add".equals(type);
    if (added && newVal instanceof Map) {
      return new FeedElement(Kind.ADD, RethinkDbDocuments.toEvent((Map<?, ?>) newVal), 0, null);
    }
    return new FeedElement(Kind.IGNORED, null, 0, String.valueOf(type));
  }
}
