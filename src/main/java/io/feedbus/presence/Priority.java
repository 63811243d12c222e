package io.feedbus.presence;

/**
 * How much a connection matters when a node is full: at the cap a HIGH connection displaces the
 * oldest LOW one that is not long-term; MEDIUM and LOW are refused; BANNED is always refused.
 */
public enum Priority {
  HIGH, MEDIUM, LOW, BANNED;

  /** Parses a priority name (any case); fails with {@code invalid_priority}. */
  public static Priority parse(Object value) {
    if (value instanceof String) {
      for (Priority p : values()) {
        if (p.name().equalsIgnoreCase((String) value)) {
          return p;
        }
      }
    }
    throw io.feedbus.event.FeedbusException.badRequest("invalid_priority",
        "priority must be one of HIGH, MEDIUM, LOW, BANNED, not '" + value + "'");
  }
}
