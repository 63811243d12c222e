package io.feedbus.presence;

/** The event bus addresses of the connection registry and admission control (all JSON). */
public final class PresenceAddresses {

  public static final String UPSERT = "feedbus.connections.upsert";
  public static final String HEARTBEAT = "feedbus.connections.heartbeat";
  public static final String REMOVE = "feedbus.connections.remove";
  public static final String LIST = "feedbus.connections.list";
  public static final String COUNT_BY_SERVER = "feedbus.connections.count-by-server";
  public static final String COUNT_BY_UID = "feedbus.connections.count-by-uid";
  /** Published: every refusal and connection error, {@code {connectionId?, uid?, error, message}}. */
  public static final String ERRORS = "feedbus.connections.errors";
  public static final String CAP = "feedbus.connections.cap";
  public static final String ACCEPTING = "feedbus.connections.accepting";
  public static final String PRIORITY = "feedbus.connections.priority";
  public static final String BAN = "feedbus.connections.ban";
  public static final String SETTINGS = "feedbus.connections.settings";
  /**
   * Published: every change of the registry, {@code {type, connection, reason?}}, type one of
   * {@code connected, disconnected, expired, refused, closed}; each node publishes its own changes.
   */
  public static final String EVENTS = "feedbus.connections.events";
  /** {@code {select: {uid?, serverId?, transport?, fields?}, payload}} -> {@code {matched, delivered}}. */
  public static final String SEND = "feedbus.connections.send";
  /** {@code {connectionId, join?: topic, leave?: topic}}: the topics a connection listens to live. */
  public static final String TOPICS = "feedbus.connections.topics";
  /** {@code {topic}} -> {@code {topic, connections: [...]}}: who listens to a topic live, on every node. */
  public static final String PRESENCE = "feedbus.connections.presence";
  /** Published by a node that changed a setting, so every node applies it. */
  static final String SETTINGS_CHANGED = "feedbus.connections.settings.changed";

  public static final String ACQUIRE = "feedbus.admission.acquire";
  public static final String RELEASE = "feedbus.admission.release";
  public static final String STATE = "feedbus.admission.state";
  public static final String RENEW = "feedbus.admission.renew";

  private PresenceAddresses() {
  }

  /** Where the holder of connection {@code connectionId} takes targeted messages: {@code {payload}}, replied once handed over. */
  public static String direct(String connectionId) {
    return "feedbus.connection." + connectionId + ".direct";
  }

  /** Published: {@code {type: join|leave, topic, connection}} as connections start or stop listening to {@code topic}. */
  public static String presence(String topic) {
    return "feedbus.presence." + topic;
  }

  /** Where the registry orders connection {@code connectionId} closed: {@code {reason, message}}. */
  public static String close(String connectionId) {
    return "feedbus.connection." + connectionId + ".close";
  }
}
