package io.feedbus.feed;

import io.feedbus.event.Cursor;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Topic;
import io.vertx.core.json.JsonObject;

/**
 * A validated history read: forward, {@code {topic, after?, since?, limit?}}, or back from a cursor
 * or from the end, {@code {topic, before: cursor | "end", limit?}} ({@code backward}; {@code before}
 * is null for the end).
 */
public record HistoryRequest(String topic, Cursor after, Long since, Cursor before, boolean backward, int limit) {

  public static final String ADDRESS = "feedbus.history";
  /**
   * The history service for whatever runs on the node's own Vert.x (its client, HTTP routes): it
   * answers with the {@link HistoryPage} itself, which the bus hands over by reference.
   */
  public static final String LOCAL_ADDRESS = "feedbus.history.local";
  /** The {@code before} that reads the newest events: before the end of the timeline. */
  public static final String END = "end";

  /**
   * Validates a request (after and since together are refused, and before with either); limits
   * above {@code maxLimit} are lowered to it (HTTP refuses them instead), and {@code next} or
   * {@code older} leads on.
   */
  public static HistoryRequest parse(JsonObject body, int defaultLimit, int maxLimit) {
    String topic = Topic.validate(body.getValue("topic"));
    Object after = body.getValue("after");
    if (after != null && !(after instanceof String)) {
      throw FeedbusException.badRequest("invalid_cursor", "after must be a cursor string");
    }
    Object since = body.getValue("since");
    if (since != null && !(since instanceof Number)) {
      throw FeedbusException.badRequest("invalid_since", "since must be a timestamp in epoch milliseconds");
    }
    if (after != null && since != null) {
      // Two starting points for one read: answering with either would silently ignore the other.
      throw FeedbusException.badRequest("invalid_query", "give after or since, not both");
    }
    Object before = body.getValue("before");
    if (before != null && !(before instanceof String)) {
      throw FeedbusException.badRequest("invalid_cursor", "before must be a cursor string or \"" + END + "\"");
    }
    if (before != null && (after != null || since != null)) {
      throw FeedbusException.badRequest("invalid_query",
          "give before alone: after and since read forward from a point, before reads back from one");
    }
    Object limit = body.getValue("limit", defaultLimit);
    if (!(limit instanceof Integer || limit instanceof Long) || ((Number) limit).longValue() < 1) {
      throw FeedbusException.badRequest("invalid_limit", "limit must be a whole number from 1 to " + maxLimit);
    }
    return new HistoryRequest(topic, Cursor.parseNullable((String) after), since == null ? null : ((Number) since).longValue(),
        before == null || END.equals(before) ? null : Cursor.parse((String) before), before != null,
        (int) Math.min(((Number) limit).longValue(), maxLimit));
  }

  /** The exclusive lower bound of a forward read: {@code after}, or "just before since". */
  public Cursor lowerBound() {
    return Cursor.max(after, since == null ? null : Cursor.beforeTimestamp(since));
  }
}
