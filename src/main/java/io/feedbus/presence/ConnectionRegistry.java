package io.feedbus.presence;

import io.feedbus.event.FeedbusException;
import io.feedbus.event.Topic;
import io.feedbus.store.ConnectionFilter;
import io.feedbus.store.ConnectionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one node ({@code serverId}) and the node's admission of new ones: bans,
 * the per-node cap with displacement by priority, the lifetime, draining, and the sweep that
 * expires what stopped heartbeating. Every close it decides is ordered on
 * {@link PresenceAddresses#close(String)} and every refusal published on {@link PresenceAddresses#ERRORS}.
 *
 * <p><b>Cap policy.</b> With {@code nodeConnectionCap} live connections on this node, a new HIGH
 * connection displaces the oldest LOW connection of this node that is not long-term (it is closed
 * with reason {@code displaced}); when there is none, or the newcomer is MEDIUM or LOW, the
 * newcomer is refused with 503 {@code node_full}. Lowering the cap closes nothing; it only refuses
 * newcomers until the node is under it again. A connection that re-registers (same connectionId)
 * is not counted twice and is never refused by the cap or by draining, only by a ban.
 *
 * <p>Registrations on one node are decided one at a time (check the cap, then insert), and only
 * this node writes records with its serverId, so the cap is exact. Not thread-safe: use it from
 * one Vert.x context.
 */
public final class ConnectionRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionRegistry.class);
  private static final int LIST_LIMIT = 100_000;
  /** The topics one connection may listen to live at once (a browser registers several). */
  static final int MAX_TOPICS_PER_CONNECTION = 256;
  /** How long a targeted message waits for a connection's transport to take it. */
  private static final long DIRECT_TIMEOUT_MILLIS = 5_000;
  private static final String PRIORITY_SETTING = "priority/";

  private final Vertx vertx;
  private final ConnectionStore store;
  private final String serverId;
  private final PresenceOptions options;
  private final PresenceObserver observer;
  private final Map<String, Priority> priorities = new HashMap<>();
  private int cap;
  /** Volatile: readiness reads it from the HTTP server's thread. */
  private volatile boolean accepting = true;
  private boolean shuttingDown;
  private Future<?> registrations = Future.succeededFuture();
  private Future<?> topicChanges = Future.succeededFuture();
  private boolean sweeping;

  public ConnectionRegistry(Vertx vertx, ConnectionStore store, String serverId, PresenceOptions options, PresenceObserver observer) {
    this.vertx = vertx;
    this.store = store;
    this.serverId = serverId;
    this.options = options;
    this.observer = observer;
    this.priorities.putAll(options.priorities);
    this.cap = options.nodeConnectionCap;
  }

  public String serverId() {
    return serverId;
  }

  public ConnectionStore store() {
    return store;
  }

  public PresenceOptions options() {
    return options;
  }

  /** The uid's priority: set at run time, else configured, else {@code defaultPriority}. */
  public Priority priorityOf(String uid) {
    return priorities.getOrDefault(uid, options.defaultPriority);
  }

  /**
   * {@code {connectionId?, uid?, transport?, longTerm?, priority?, fields?}} -> the stored record plus
   * {@code heartbeatIntervalMillis}. The priority is the uid's when one is set for it, else the
   * request's, else the default. Fails with 403 {@code banned}, 503 {@code draining} or 503 {@code node_full}.
   */
  public Future<JsonObject> register(JsonObject request) {
    String connectionId = request.getValue("connectionId") == null ? UUID.randomUUID().toString() : Uids.connectionId(request.getValue("connectionId"));
    String uid = request.getValue("uid") == null ? "anonymous" : Uids.uid(request.getValue("uid"));
    String transport = text(request, "transport", "eventbus");
    Object longTerm = request.getValue("longTerm", false);
    Object fields = request.getValue("fields", new JsonObject());
    List<String> topics = topicList(request.getValue("topics"));
    if (!(longTerm instanceof Boolean)) {
      throw FeedbusException.badRequest("bad_request", "longTerm must be true or false");
    }
    if (!(fields instanceof JsonObject)) {
      throw FeedbusException.badRequest("bad_request", "fields must be a JSON object");
    }
    Priority priority = priorities.containsKey(uid) ? priorities.get(uid)
        : request.getValue("priority") != null ? Priority.parse(request.getValue("priority")) : options.defaultPriority;
    JsonObject allFields = ((JsonObject) fields).copy();
    options.additionalFields.forEach(allFields::put);
    long now = System.currentTimeMillis();
    ConnectionRecord record = new ConnectionRecord(connectionId, serverId, uid, transport, now, now, priority, (Boolean) longTerm, allFields, topics);
    // One decision at a time on this node, so the cap check and the insert cannot interleave.
    Future<JsonObject> decided = registrations.transform(ignored -> admit(record));
    registrations = decided;
    return decided.onComplete(ar -> {
      observer.admission(ar.succeeded());
      if (ar.failed()) {
        FeedbusException e = FeedbusException.from(ar.cause());
        if (e.status() != 400) {
          publishError(connectionId, uid, e.code(), e.getMessage());
          publishEvent("refused", record, e.code());
        }
      }
    });
  }

  private Future<JsonObject> admit(ConnectionRecord record) {
    if (record.priority() == Priority.BANNED) {
      return Future.failedFuture(new FeedbusException(403, "banned", "uid '" + record.uid() + "' is banned"));
    }
    return store.get(record.connectionId()).compose(existing -> {
      if (existing != null) {
        return store.upsert(record);
      }
      return admitNew(record).onSuccess(stored -> {
        publishEvent("connected", stored, null);
        stored.topics().forEach(topic -> publishPresence("join", topic, stored));
      });
    }).map(stored -> {
      countMine();
      return stored.toJson().put("heartbeatIntervalMillis", options.heartbeatIntervalMillis);
    });
  }

  /** A connection not yet in the registry: draining, shutdown and the cap decide. */
  private Future<ConnectionRecord> admitNew(ConnectionRecord record) {
    if (shuttingDown) {
      return Future.failedFuture(new FeedbusException(503, "shutting_down", "node " + serverId + " is shutting down"));
    }
    if (!accepting) {
      return Future.failedFuture(new FeedbusException(503, "draining", "node " + serverId + " is not accepting new connections"));
    }
    if (cap <= 0) {
      return store.upsert(record);
    }
    return store.count(mine(liveSince())).compose(count -> {
      if (count < cap) {
        return store.upsert(record);
      }
      if (record.priority() != Priority.HIGH) {
        return Future.failedFuture(nodeFull(count));
      }
      return displaceOneLow(count).compose(v -> store.upsert(record));
    });
  }

  private Future<Void> displaceOneLow(long count) {
    return store.list(mine(liveSince()), LIST_LIMIT).compose(connections -> {
      ConnectionRecord victim = connections.stream()
          .filter(c -> c.priority() == Priority.LOW && !c.longTerm())
          .findFirst().orElse(null);
      if (victim == null) {
        return Future.failedFuture(nodeFull(count));
      }
      return closeConnection(victim, "displaced", "a HIGH priority connection took this connection's place on a full node")
          .onSuccess(v -> publishError(victim.connectionId(), victim.uid(), "displaced", "closed to make room for a HIGH priority connection"));
    });
  }

  private FeedbusException nodeFull(long count) {
    return new FeedbusException(503, "node_full", "node " + serverId + " holds " + count + " connections, its cap is " + cap);
  }

  /** {@code {connectionId}}: marks it seen now; fails with 404 {@code unknown_connection} when it is not registered. */
  public Future<JsonObject> heartbeat(JsonObject request) {
    String connectionId = Uids.connectionId(request.getValue("connectionId"));
    return store.touch(connectionId, System.currentTimeMillis()).map(found -> {
      if (!found) {
        publishError(connectionId, null, "unknown_connection", "heartbeat for a connection that is not registered (expired or removed)");
        throw new FeedbusException(404, "unknown_connection", "connection " + connectionId + " is not registered");
      }
      return new JsonObject().put("connectionId", connectionId);
    });
  }

  /** {@code {connectionId}}: removes it and the admission slots bound to it -> {@code {connectionId, removed}}. */
  public Future<JsonObject> remove(JsonObject request) {
    String connectionId = Uids.connectionId(request.getValue("connectionId"));
    return store.remove(connectionId).compose(removed -> {
      Future<Void> slots = removed == null ? Future.succeededFuture() : releaseBoundSlots(removed, options.streamLimitPerUid + 1);
      return slots.map(v -> {
        if (removed != null) {
          // The transport closed it already; whoever else serves this connection (a forwarder) hears it too.
          orderClose(connectionId, "removed", "the connection was removed");
          left("disconnected", removed, null);
        }
        countMine();
        return new JsonObject().put("connectionId", connectionId).put("removed", removed != null);
      });
    });
  }

  private Future<Void> releaseBoundSlots(ConnectionRecord connection, int max) {
    if (max <= 0) {
      return Future.succeededFuture();
    }
    return store.releaseSlot(connection.uid(), connection.connectionId(), System.currentTimeMillis())
        .compose(released -> released ? releaseBoundSlots(connection, max - 1) : Future.succeededFuture());
  }

  /** {@code {serverId?, uid?, transport?, limit?}} -> {@code {connections: [...]}}, oldest first. */
  public Future<JsonObject> list(JsonObject request) {
    int limit = request.getValue("limit") == null ? 1000 : positive(request.getValue("limit"), "limit");
    ConnectionFilter filter = new ConnectionFilter(optional(request, "serverId"), optional(request, "uid"), optional(request, "transport"), liveSince());
    return store.list(filter, Math.min(limit, LIST_LIMIT)).map(found -> {
      JsonArray array = new JsonArray();
      found.forEach(c -> array.add(c.toJson()));
      return new JsonObject().put("connections", array);
    });
  }

  /** Live connections per node: {@code [{serverId, count}]}, by serverId. */
  public Future<JsonArray> countByServer() {
    return store.countByServer(liveSince()).map(counts -> {
      JsonArray rows = new JsonArray();
      counts.forEach((server, count) -> rows.add(new JsonObject().put("serverId", server).put("count", count)));
      return rows;
    });
  }

  /** {@code {uid}} -> {@code {uid, count}}: the uid's live connections on every node. */
  public Future<JsonObject> countByUid(JsonObject request) {
    String uid = Uids.uid(request.getValue("uid"));
    return store.count(new ConnectionFilter(null, uid, null, liveSince())).map(n -> new JsonObject().put("uid", uid).put("count", n));
  }

  // ------------------------------------------------------------------ topics and targeted delivery

  /**
   * {@code {connectionId, join?: topic, leave?: topic}}: the connection (of this node) starts or stops
   * listening to a topic live -> the record. Changes are applied one at a time, so none is lost.
   */
  public Future<JsonObject> topics(JsonObject request) {
    String connectionId = Uids.connectionId(request.getValue("connectionId"));
    String join = request.getValue("join") == null ? null : Topic.validate(String.valueOf(request.getValue("join")));
    String leave = request.getValue("leave") == null ? null : Topic.validate(String.valueOf(request.getValue("leave")));
    Future<JsonObject> changed = topicChanges.transform(ignored -> store.get(connectionId).compose(existing -> {
      if (existing == null) {
        return Future.failedFuture(new FeedbusException(404, "unknown_connection", "connection " + connectionId + " is not registered"));
      }
      List<String> topics = new ArrayList<>(existing.topics());
      boolean joined = join != null && !topics.contains(join);
      if (joined) {
        if (topics.size() >= MAX_TOPICS_PER_CONNECTION) {
          return Future.failedFuture(FeedbusException.badRequest("too_many_topics",
              "a connection listens to at most " + MAX_TOPICS_PER_CONNECTION + " topics"));
        }
        topics.add(join);
      }
      boolean leaving = leave != null && topics.remove(leave);
      if (!joined && !leaving) {
        return Future.succeededFuture(existing.toJson());
      }
      return store.upsert(existing.withTopics(topics)).map(stored -> {
        if (joined) {
          publishPresence("join", join, stored);
        }
        if (leaving) {
          publishPresence("leave", leave, stored);
        }
        return stored.toJson();
      });
    }));
    topicChanges = changed;
    return changed;
  }

  /** {@code {topic}} -> {@code {topic, connections: [{connectionId, uid, serverId, transport, connectedAt}]}}: live listeners, every node. */
  public Future<JsonObject> presence(JsonObject request) {
    String topic = Topic.validate(String.valueOf(request.getValue("topic")));
    return store.list(new ConnectionFilter(null, null, null, liveSince()), LIST_LIMIT).map(found -> {
      JsonArray listeners = new JsonArray();
      found.stream().filter(c -> c.topics().contains(topic)).forEach(c -> listeners.add(new JsonObject()
          .put("connectionId", c.connectionId()).put("uid", c.uid()).put("serverId", c.serverId())
          .put("transport", c.transport()).put("connectedAt", c.connectedAt())));
      return new JsonObject().put("topic", topic).put("connections", listeners);
    });
  }

  /**
   * {@code {select: {uid?, serverId?, transport?, fields?}, payload}}: hands {@code payload} to every
   * live connection that matches every condition given (fields: equality of each named field), on
   * any node -> {@code {matched, delivered}}; delivered counts the transports that took it.
   */
  public Future<JsonObject> send(JsonObject request) {
    Object selectValue = request.getValue("select", new JsonObject());
    if (!(selectValue instanceof JsonObject)) {
      throw FeedbusException.badRequest("bad_request", "select must be a JSON object of uid?, serverId?, transport?, fields?");
    }
    JsonObject select = (JsonObject) selectValue;
    for (String key : select.fieldNames()) {
      if (!List.of("uid", "serverId", "transport", "fields").contains(key)) {
        throw FeedbusException.badRequest("unknown_field", "select." + key + " is not a condition: uid, serverId, transport or fields");
      }
    }
    if (!request.containsKey("payload") || request.getValue("payload") == null) {
      throw FeedbusException.badRequest("missing_payload", "payload is required");
    }
    Object fieldsValue = select.getValue("fields", new JsonObject());
    if (!(fieldsValue instanceof JsonObject)) {
      throw FeedbusException.badRequest("bad_request", "select.fields must be a JSON object of field -> value");
    }
    JsonObject fields = (JsonObject) fieldsValue;
    ConnectionFilter filter = new ConnectionFilter(optional(select, "serverId"),
        select.getValue("uid") == null ? null : Uids.uid(select.getValue("uid")), optional(select, "transport"), liveSince());
    JsonObject message = new JsonObject().put("payload", request.getValue("payload"));
    DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(DIRECT_TIMEOUT_MILLIS);
    return store.list(filter, LIST_LIMIT).compose(found -> {
      List<ConnectionRecord> matched = found.stream()
          .filter(c -> fields.stream().allMatch(f -> java.util.Objects.equals(c.fields().getValue(f.getKey()), f.getValue())))
          .toList();
      List<Future<Boolean>> handed = new ArrayList<>();
      for (ConnectionRecord c : matched) {
        handed.add(vertx.eventBus().request(PresenceAddresses.direct(c.connectionId()), message, delivery)
            .map(reply -> true).otherwise(false));
      }
      return Future.join(handed).map(v -> new JsonObject().put("matched", matched.size())
          .put("delivered", handed.stream().filter(f -> Boolean.TRUE.equals(f.result())).count()));
    });
  }

  private static List<String> topicList(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray) || ((JsonArray) value).size() > MAX_TOPICS_PER_CONNECTION) {
      throw FeedbusException.badRequest("bad_request", "topics must be an array of at most " + MAX_TOPICS_PER_CONNECTION + " topic names");
    }
    List<String> topics = new ArrayList<>();
    for (Object topic : (JsonArray) value) {
      topics.add(Topic.validate(String.valueOf(topic)));
    }
    return topics;
  }

  // ------------------------------------------------------------------ management

  /** {@code {cap}}: this node's connection cap from now on (0 = unlimited). */
  public JsonObject setCap(int newCap) {
    if (newCap < 0) {
      throw FeedbusException.badRequest("bad_request", "cap must be 0 (unlimited) or more");
    }
    cap = newCap;
    LOG.info("node {}: connection cap set to {}", serverId, cap);
    return settings();
  }

  /** Starts or stops accepting new connections (drain); with {@code closeExisting}, also closes this node's connections. */
  public Future<JsonObject> setAccepting(boolean accept, boolean closeExisting) {
    accepting = accept;
    LOG.info("node {}: {} new connections", serverId, accept ? "accepting" : "not accepting");
    if (accept || !closeExisting) {
      return Future.succeededFuture(settings());
    }
    return store.list(mine(0), LIST_LIMIT).compose(connections -> {
      List<Future<Void>> closing = new ArrayList<>();
      connections.forEach(c -> closing.add(closeConnection(c, "draining", "node " + serverId + " is draining; reconnect to another node")));
      return Future.join(closing).map(v -> settings().put("closed", connections.size()));
    });
  }

  /**
   * This node is shutting down: it accepts no new connection, and closes each of its connections
   * with reason {@code shutting_down}, so their clients resume after their last cursor elsewhere
   * (a subscription left open across a restart would not know what it missed meanwhile).
   */
  public Future<Integer> shutdown() {
    accepting = false;
    shuttingDown = true;
    return store.list(mine(0), LIST_LIMIT).compose(connections -> {
      List<Future<Void>> closing = new ArrayList<>();
      connections.forEach(c -> closing.add(closeConnection(c, "shutting_down",
          "node " + serverId + " is shutting down; resume after your last cursor on another node")));
      return Future.join(closing).map(v -> connections.size());
    });
  }

  /** Sets a uid's priority on this node; BANNED also closes the uid's connections on this node. */
  public Future<JsonObject> setPriority(String uid, Priority priority) {
    priorities.put(uid, priority);
    JsonObject reply = new JsonObject().put("serverId", serverId).put("uid", uid).put("priority", priority.name());
    if (priority != Priority.BANNED) {
      return Future.succeededFuture(reply);
    }
    return store.list(new ConnectionFilter(serverId, uid, null, 0), LIST_LIMIT).compose(connections -> {
      List<Future<Void>> closing = new ArrayList<>();
      for (ConnectionRecord c : connections) {
        closing.add(closeConnection(c, "banned", "uid '" + uid + "' is banned"));
        publishError(c.connectionId(), uid, "banned", "connection closed: uid '" + uid + "' is banned");
      }
      return Future.join(closing).map(v -> reply.put("closed", connections.size()));
    });
  }

  /** Whether this node takes new connections (false while it drains or shuts down). */
  public boolean accepting() {
    return accepting;
  }

  /** This node's runtime settings: {@code {serverId, cap, accepting}}. */
  public JsonObject settings() {
    return new JsonObject().put("serverId", serverId).put("cap", cap).put("accepting", accepting);
  }

  /**
   * Takes back the settings changed at run time for this node or for every node (the latest change
   * of each wins), as stored by {@link ConnectionRegistryVerticle}: a restart keeps bans, priorities,
   * the cap and draining.
   */
  public Future<Void> restore() {
    return store.settings(java.util.Set.of(serverId, RuntimeSetting.ALL_NODES)).map(stored -> {
      stored.stream().sorted(java.util.Comparator.comparingLong(RuntimeSetting::changedAt)).forEach(this::restore);
      if (!stored.isEmpty()) {
        LOG.info("node {}: run-time settings restored: cap {}, {}, {} priorities", serverId, cap,
            accepting ? "accepting" : "draining", priorities.size() - options.priorities.size());
      }
      return null;
    });
  }

  private void restore(RuntimeSetting setting) {
    if ("cap".equals(setting.name()) && setting.value() instanceof Number) {
      cap = ((Number) setting.value()).intValue();
    } else if ("accepting".equals(setting.name()) && setting.value() instanceof Boolean) {
      accepting = (Boolean) setting.value();
    } else if (setting.name().startsWith(PRIORITY_SETTING)) {
      priorities.put(setting.name().substring(PRIORITY_SETTING.length()), Priority.parse(setting.value()));
    }
  }

  /** The stored form of a run-time change, for one node ({@code serverId}) or every node (null). */
  static RuntimeSetting setting(String serverId, String name, Object value) {
    return new RuntimeSetting(serverId == null ? RuntimeSetting.ALL_NODES : serverId, name, value, System.currentTimeMillis());
  }

  /** The setting name of a uid's priority. */
  static String prioritySetting(String uid) {
    return PRIORITY_SETTING + uid;
  }

  // ------------------------------------------------------------------ sweep

  /**
   * Removes connections not seen for {@code clientConnectionExpirationMillis} (any node's: a dead
   * node's connections expire through the survivors), closes this node's connections older than
   * the lifetime unless long-term, and frees lapsed or orphaned admission slots.
   * -> {@code {expired, lifetimeClosed, slotsFreed}}.
   */
  public Future<JsonObject> sweep() {
    if (sweeping) {
      return Future.succeededFuture(new JsonObject().put("skipped", true));
    }
    sweeping = true;
    long now = System.currentTimeMillis();
    JsonObject report = new JsonObject();
    return store.expire(liveSince())
        .compose(expired -> {
          expired.forEach(c -> {
            orderClose(c.connectionId(), "expired", "no heartbeat for " + options.clientConnectionExpirationMillis + " ms");
            left("expired", c, "expired");
          });
          report.put("expired", expired.size());
          return closeForLifetime(now);
        })
        .compose(closed -> {
          report.put("lifetimeClosed", closed);
          return store.expireSlots(now);
        })
        .map(freed -> {
          countMine();
          return report.put("slotsFreed", freed);
        })
        .onFailure(e -> publishError(null, null, FeedbusException.from(e).code(), "sweep failed: " + e.getMessage()))
        .onComplete(ar -> sweeping = false);
  }

  private Future<Integer> closeForLifetime(long now) {
    long lifetime = options.connectionLifetimeMillis;
    if (lifetime <= 0) {
      return Future.succeededFuture(0);
    }
    return store.list(mine(liveSince()), LIST_LIMIT).compose(connections -> {
      List<Future<Void>> closing = new ArrayList<>();
      for (ConnectionRecord c : connections) {
        if (!c.longTerm() && c.connectedAt() <= now - lifetime) {
          closing.add(closeConnection(c, "lifetime_expired", "connections last at most " + lifetime + " ms unless long-term"));
        }
      }
      return Future.join(closing).map(v -> closing.size());
    });
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Removes the record (and its bound slots) and orders the transport to close. A record that is
   * gone by then was removed by its transport closing itself (or by an expiry, which orders its own
   * close), so no order follows: the transport would be unregistering its consumer meanwhile.
   */
  private Future<Void> closeConnection(ConnectionRecord c, String reason, String message) {
    Future<ConnectionRecord> removal = store.remove(c.connectionId());
    return removal
        .compose(removed -> {
          if (removed != null) {
            left("closed", removed, reason);
          }
          return releaseBoundSlots(c, options.streamLimitPerUid + 1);
        })
        .onComplete(ar -> {
          if (removal.failed() || removal.result() != null) {
            orderClose(c.connectionId(), reason, message);
          }
        });
  }

  /** A connection left the registry: its lifecycle event, then a leave notice for each topic it listened to. */
  private void left(String type, ConnectionRecord connection, String reason) {
    publishEvent(type, connection, reason);
    connection.topics().forEach(topic -> publishPresence("leave", topic, connection));
  }

  /** Publishes a lifecycle event on {@link PresenceAddresses#EVENTS}, cluster-wide. */
  private void publishEvent(String type, ConnectionRecord connection, String reason) {
    JsonObject event = new JsonObject().put("type", type).put("connection", connection.toJson()).put("serverId", serverId);
    if (reason != null) {
      event.put("reason", reason);
    }
    vertx.eventBus().publish(PresenceAddresses.EVENTS, event);
  }

  private void publishPresence(String type, String topic, ConnectionRecord connection) {
    vertx.eventBus().publish(PresenceAddresses.presence(topic), new JsonObject().put("type", type).put("topic", topic)
        .put("connection", connection.toJson()));
  }

  /** Tells the transport holding {@code connectionId} to close, wherever it is in the cluster. */
  public void orderClose(String connectionId, String reason, String message) {
    vertx.eventBus().publish(PresenceAddresses.close(connectionId), new JsonObject().put("reason", reason).put("message", message));
  }

  /** Publishes {@code {connectionId?, uid?, error, message}} on {@link PresenceAddresses#ERRORS}. */
  public void publishError(String connectionId, String uid, String error, String message) {
    JsonObject body = new JsonObject();
    if (connectionId != null) {
      body.put("connectionId", connectionId);
    }
    if (uid != null) {
      body.put("uid", uid);
    }
    body.put("error", error).put("message", message).put("serverId", serverId);
    vertx.eventBus().publish(PresenceAddresses.ERRORS, body);
  }

  private void countMine() {
    store.count(mine(liveSince())).onSuccess(observer::connectionsOnThisNode);
  }

  private ConnectionFilter mine(long since) {
    return new ConnectionFilter(serverId, null, null, since);
  }

  private long liveSince() {
    return System.currentTimeMillis() - options.clientConnectionExpirationMillis;
  }

  private static String text(JsonObject request, String field, String fallback) {
    Object value = request.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String) || ((String) value).isBlank() || ((String) value).length() > 64) {
      throw FeedbusException.badRequest("bad_request", field + " must be a string of 1 to 64 characters");
    }
    return (String) value;
  }

  private static String optional(JsonObject request, String field) {
    Object value = request.getValue(field);
    if (value == null || "".equals(value)) {
      return null;
    }
    if (!(value instanceof String)) {
      throw FeedbusException.badRequest("bad_request", field + " must be a string");
    }
    return (String) value;
  }

  static int positive(Object value, String field) {
    if (!(value instanceof Number) || ((Number) value).longValue() < 1 || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw FeedbusException.badRequest("bad_request", field + " must be a whole number of at least 1");
    }
    return ((Number) value).intValue();
  }
}
