package io.feedbus.presence;

import io.feedbus.event.FeedbusException;
import io.feedbus.event.Nodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transport's connection in the registry: how a socket, a subscription or any other client
 * connection registers itself, stays alive and leaves.
 *
 * <pre>{@code
 * ConnectionHandle.register(vertx, new JsonObject().put("uid", uid).put("transport", "sockjs"),
 *         order -> socket.close(4410, order.getString("reason")))   // the registry closes it
 *     .onSuccess(handle -> socket.endHandler(v -> handle.close()))   // it closes by itself
 *     .onFailure(refused -> socket.close(4403, refused.getMessage())); // banned, node_full, draining
 * }</pre>
 *
 * <p>{@link #register} listens for close orders first, then registers; it fails with the
 * registry's {@link FeedbusException} (403 {@code banned}, 503 {@code node_full}, 503 {@code draining},
 * 503 {@code unavailable} when no registry runs). Once registered it heartbeats at the interval
 * the registry gave. A close order ({@code {reason, message}}: {@code displaced}, {@code banned},
 * {@code lifetime_expired}, {@code draining}, {@code expired}) reaches {@code onClose} once; the
 * registry has already removed the record then. {@link #close()} removes it when the transport
 * closes by itself.
 *
 * <p>A handle talks to the registry of one node: its own node's when it runs on a broker node
 * ({@link #register}), else the node a request to any broker landed on ({@link #attach}); after
 * registering, heartbeats and the removal go to the node that holds the record. When that node is
 * gone from the cluster, {@code onClose} hears {@code node_gone}.
 */
public final class ConnectionHandle {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandle.class);

  private final Vertx vertx;
  private final Context context;
  private final String connectionId;
  private final Handler<JsonObject> onClose;
  private final Handler<Object> onDirect;
  private final DeliveryOptions requestOptions = new DeliveryOptions().setSendTimeout(10_000);
  private MessageConsumer<JsonObject> closeOrders;
  private MessageConsumer<JsonObject> directMessages;
  private JsonObject record;
  /** The node whose registry holds the record. */
  private String serverId;
  private long heartbeatTimer = -1;
  private boolean closed;

  private ConnectionHandle(Vertx vertx, Context context, String connectionId, Handler<JsonObject> onClose, Handler<Object> onDirect) {
    this.vertx = vertx;
    this.context = context;
    this.connectionId = connectionId;
    this.onClose = onClose;
    this.onDirect = onDirect;
  }

  /**
   * Registers a connection: {@code {connectionId?, uid?, transport?, longTerm?, priority?, fields?}}
   * (see {@link ConnectionRegistry#register}); {@code onClose} hears the registry's close order.
   */
  public static Future<ConnectionHandle> register(Vertx vertx, JsonObject registration, Handler<JsonObject> onClose) {
    return register(vertx, registration, onClose, null);
  }

  /**
   * As {@link #register(Vertx, JsonObject, Handler)}; {@code onDirect} (when not null) takes the
   * payloads sent to this connection ({@code feedbus.connections.send}); throwing refuses one.
   */
  public static Future<ConnectionHandle> register(Vertx vertx, JsonObject registration, Handler<JsonObject> onClose,
                                                  Handler<Object> onDirect) {
    JsonObject request = registration.copy();
    if (request.getValue("connectionId") == null) {
      request.put("connectionId", UUID.randomUUID().toString());
    }
    ConnectionHandle handle = new ConnectionHandle(vertx, vertx.getOrCreateContext(), String.valueOf(request.getValue("connectionId")),
        onClose, onDirect);
    return handle.start(Nodes.nearest(vertx, PresenceAddresses.UPSERT), request);
  }

  /**
   * Registers through {@code address}, a service of any node that registers the connection in its
   * own registry and answers with the record (how a member without a broker attaches a subscription).
   */
  public static Future<ConnectionHandle> attach(Vertx vertx, String address, JsonObject request, Handler<JsonObject> onClose,
                                                Handler<Object> onDirect) {
    ConnectionHandle handle = new ConnectionHandle(vertx, vertx.getOrCreateContext(), String.valueOf(request.getValue("connectionId")),
        onClose, onDirect);
    return handle.start(address, request);
  }

  private Future<ConnectionHandle> start(String address, JsonObject request) {
    Promise<ConnectionHandle> registered = Promise.promise();
    context.runOnContext(v -> {
      // Listen first: a close order may follow the registration at once.
      closeOrders = vertx.eventBus().consumer(PresenceAddresses.close(connectionId), m -> closedByRegistry(m.body()));
      // A close order that reaches the consumer while it unregisters (the registry confirms a removal with
      // one, and a node shutting down closes what it still lists) is moot: dropped, not logged as discarded.
      onDiscard(closeOrders, m -> { });
      Future<Void> listening = closeOrders.completion();
      if (onDirect != null) {
        directMessages = vertx.eventBus().consumer(PresenceAddresses.direct(connectionId), this::direct);
        onDiscard(directMessages, m -> m.fail(410, "gone: connection " + connectionId + " is closed"));
        listening = Future.all(listening, directMessages.completion()).mapEmpty();
      }
      listening
          .compose(x -> vertx.eventBus().<JsonObject>request(address, request, requestOptions))
          .onSuccess(reply -> {
            record = reply.body();
            serverId = record.getString("serverId");
            long interval = record.getLong("heartbeatIntervalMillis", 3_000L);
            if (!closed) {
              heartbeatTimer = vertx.setPeriodic(interval, id -> heartbeat());
            }
            registered.complete(this);
          })
          .onFailure(e -> {
            stop();
            registered.fail(FeedbusException.from(e));
          });
    });
    return registered.future();
  }

  /** Vert.x logs a warning for each message a consumer discards unless it has a discard handler (its implementation's only). */
  private static <T> void onDiscard(MessageConsumer<T> consumer, io.vertx.core.Handler<io.vertx.core.eventbus.Message<T>> handler) {
    if (consumer instanceof io.vertx.core.eventbus.impl.MessageConsumerImpl<T> impl) {
      impl.discardHandler(handler);
    }
  }

  private void heartbeat() {
    if (closed) {
      return;
    }
    vertx.eventBus().request(registry(PresenceAddresses.HEARTBEAT), new JsonObject().put("connectionId", connectionId), requestOptions)
        .onFailure(e -> {
          FeedbusException error = FeedbusException.from(e);
          if (error.status() == 404) {
            closedByRegistry(new JsonObject().put("reason", "expired").put("message", error.getMessage()));
          } else if ("unavailable".equals(error.code())) {
            closedByRegistry(new JsonObject().put("reason", "node_gone")
                .put("message", "node " + serverId + " that held this connection is gone: " + error.getMessage()));
          } else {
            LOG.warn("heartbeat of connection {} failed (will retry): {}", connectionId, error.getMessage());
          }
        });
  }

  private void closedByRegistry(JsonObject order) {
    if (closed) {
      return;
    }
    stop();
    onClose.handle(order == null ? new JsonObject().put("reason", "closed") : order);
  }

  private void stop() {
    closed = true;
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
    if (closeOrders != null) {
      closeOrders.unregister();
    }
    if (directMessages != null) {
      directMessages.unregister();
    }
  }

  /** A targeted message: handed to the transport, then acknowledged (a closed or refusing transport fails it). */
  private void direct(io.vertx.core.eventbus.Message<JsonObject> message) {
    if (closed) {
      message.fail(410, "gone: connection " + connectionId + " is closed");
      return;
    }
    try {
      onDirect.handle(message.body().getValue("payload"));
      message.reply(new JsonObject().put("connectionId", connectionId));
    } catch (RuntimeException refused) {
      message.fail(503, "not_delivered: " + refused.getMessage());
    }
  }

  /** The connection now listens to {@code topic} live (who listens to a topic is its presence). */
  public Future<Void> joined(String topic) {
    return topicChange(new JsonObject().put("join", topic));
  }

  /** The connection no longer listens to {@code topic} live. */
  public Future<Void> left(String topic) {
    return topicChange(new JsonObject().put("leave", topic));
  }

  private Future<Void> topicChange(JsonObject change) {
    if (closed) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().request(registry(PresenceAddresses.TOPICS), change.put("connectionId", connectionId), requestOptions)
        .<Void>mapEmpty()
        .onFailure(e -> LOG.debug("topic change {} of connection {} failed: {}", change, connectionId, e.getMessage()));
  }

  public String connectionId() {
    return connectionId;
  }

  /** The node whose registry holds the record (null before it is registered). */
  public String serverId() {
    return serverId;
  }

  /** {@code address} on the node that holds the record. */
  private String registry(String address) {
    return serverId == null ? Nodes.nearest(vertx, address) : Nodes.at(address, serverId);
  }

  /** The record as the registry stored it (serverId, priority, connectedAt, fields...). */
  public JsonObject record() {
    return record;
  }

  /** True once closed, by the transport or by the registry. */
  public boolean closed() {
    return closed;
  }

  /** Removes the connection from the registry (the transport closed); completes once it is gone. */
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (closed) {
        done.complete();
        return;
      }
      stop();
      vertx.eventBus().request(registry(PresenceAddresses.REMOVE), new JsonObject().put("connectionId", connectionId), requestOptions)
          .onComplete(ar -> {
            if (ar.failed()) {
              // The record then expires after clientConnectionExpirationMillis without heartbeats.
              LOG.warn("could not remove connection {} (it will expire): {}", connectionId, ar.cause().getMessage());
            }
            done.complete();
          });
    });
    return done.future();
  }
}
