package io.feedbus.presence;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One client connection as the registry stores it: which node holds it ({@code serverId}), whose it
 * is ({@code uid}), how it is connected ({@code transport}), when it connected and was last seen
 * (epoch ms), its priority, whether it is exempt from the lifetime ({@code longTerm}), and extra
 * fields (fixed ones from config plus the client's own), and the topics it listens to live.
 */
public record ConnectionRecord(String connectionId, String serverId, String uid, String transport, long connectedAt,
                               long lastSeen, Priority priority, boolean longTerm, JsonObject fields, List<String> topics) {

  public ConnectionRecord {
    topics = topics == null ? List.of() : List.copyOf(topics);
  }

  /** A record that listens to no topic. */
  public ConnectionRecord(String connectionId, String serverId, String uid, String transport, long connectedAt,
                          long lastSeen, Priority priority, boolean longTerm, JsonObject fields) {
    this(connectionId, serverId, uid, transport, connectedAt, lastSeen, priority, longTerm, fields, List.of());
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("connectionId", connectionId)
        .put("serverId", serverId)
        .put("uid", uid)
        .put("transport", transport)
        .put("connectedAt", connectedAt)
        .put("lastSeen", lastSeen)
        .put("priority", priority.name())
        .put("longTerm", longTerm)
        .put("fields", fields == null ? new JsonObject() : fields.copy())
        .put("topics", new JsonArray(topics));
  }

  public static ConnectionRecord fromJson(JsonObject json) {
    Object fields = json.getValue("fields");
    return new ConnectionRecord(json.getString("connectionId"), json.getString("serverId"), json.getString("uid"),
        json.getString("transport"), number(json.getValue("connectedAt")), number(json.getValue("lastSeen")),
        Priority.parse(json.getString("priority", Priority.MEDIUM.name())), Boolean.TRUE.equals(json.getValue("longTerm")),
        fields instanceof JsonObject ? (JsonObject) fields : new JsonObject(),
        json.getValue("topics") instanceof JsonArray ? ((JsonArray) json.getValue("topics")).stream().map(String::valueOf).toList() : List.of());
  }

  /** The same connection listening to {@code newTopics}. */
  public ConnectionRecord withTopics(List<String> newTopics) {
    return new ConnectionRecord(connectionId, serverId, uid, transport, connectedAt, lastSeen, priority, longTerm, fields, newTopics);
  }

  /** The same connection, seen at {@code now}. */
  public ConnectionRecord seenAt(long now) {
    return new ConnectionRecord(connectionId, serverId, uid, transport, connectedAt, now, priority, longTerm, fields, topics);
  }

  /** The same record with {@code connectedAt} taken from the one already stored (an upsert keeps it). */
  public ConnectionRecord connectedSince(long since) {
    return new ConnectionRecord(connectionId, serverId, uid, transport, since, lastSeen, priority, longTerm, fields, topics);
  }

  private static long number(Object value) {
    return value instanceof Number ? ((Number) value).longValue() : 0L;
  }
}
