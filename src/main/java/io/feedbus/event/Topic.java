package io.feedbus.event;

/** Topic name rules: what a topic may be called, and the event bus address it is delivered on. */
public final class Topic {

  public static final String ADDRESS_PREFIX = "feedbus.topic.";
  public static final int MAX_LENGTH = 128;

  private Topic() {
  }

  /** Returns the name when it is a valid topic, else fails with a {@code invalid_topic} error. */
  public static String validate(Object name) {
    if (name == null) {
      throw FeedbusException.badRequest("invalid_topic", "topic is missing");
    }
    if (!(name instanceof String)) {
      throw FeedbusException.badRequest("invalid_topic", "topic must be a string");
    }
    String topic = (String) name;
    if (!valid(topic)) {
      throw FeedbusException.badRequest("invalid_topic",
          "topic '" + abbreviate(topic) + "' must be 1 to " + MAX_LENGTH
              + " characters of letters, digits, '_', '.', ':' or '-', starting with a letter or digit");
    }
    return topic;
  }

  /** 1 to {@value #MAX_LENGTH} letters, digits, '_', '.', ':' or '-', the first a letter or digit (checked on every publish: no regex). */
  static boolean valid(String topic) {
    int length = topic.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = topic.charAt(i);
      boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!letterOrDigit && (i == 0 || (c != '_' && c != '.' && c != ':' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  public static String address(String topic) {
    return ADDRESS_PREFIX + topic;
  }

  /**
   * Where this node's feed hands its own consumers (subscriptions, the browser fan-out) each event of
   * {@code topic} as an {@link Event} by reference ({@link EventCodec}): no copy, no re-encoding.
   * Not a {@link #address} of any topic: those continue {@code feedbus.topic} with a dot.
   */
  public static String localAddress(String topic) {
    return LOCAL_ADDRESS_PREFIX + topic;
  }

  static final String LOCAL_ADDRESS_PREFIX = "feedbus.topic-local.";

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
