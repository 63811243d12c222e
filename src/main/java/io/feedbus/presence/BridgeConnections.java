package io.feedbus.presence;

import io.feedbus.bridge.BridgeSockets;
import io.feedbus.bridge.BrowserBridge;
import io.feedbus.bridge.BrowserConnection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.feedbus.event.FeedbusException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes every browser socket of the SockJS bridge a registry connection (transport {@code sockjs}):
 * registered when it opens (a refusal refuses the socket), removed when it closes, and closed
 * with the registry's reason when the registry orders it.
 */
public final class BridgeConnections implements BridgeSockets.Listener {

  private final Vertx vertx;
  private final PresenceOptions options;
  /** Each socket's registration, kept from the moment it starts: a socket may close before it completes. */
  private final Map<String, Future<ConnectionHandle>> handles = new ConcurrentHashMap<>();
  private volatile BrowserBridge bridge;

  public BridgeConnections(Vertx vertx) {
    this(vertx, new PresenceOptions());
  }

  /** Browsers set the fields {@code options.clientFields} names with query parameters of the bridge URL; their tokens' fields win. */
  public BridgeConnections(Vertx vertx, PresenceOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** The bridge whose sockets the registry may close (it exists only once the routes are mounted). */
  public void bridge(BrowserBridge bridge) {
    this.bridge = bridge;
  }

  @Override
  public Future<Void> opened(BrowserConnection connection) {
    JsonObject fields;
    try {
      fields = ClientFields.from(connection.query(), connection.tokenFields(), options);
    } catch (FeedbusException e) {
      return Future.failedFuture(e);
    }
    JsonObject registration = new JsonObject()
        .put("connectionId", connection.connectionId())
        .put("uid", connection.uid() == null ? "anonymous" : connection.uid())
        .put("transport", BrowserConnection.TRANSPORT)
        .put("fields", fields.put("remoteAddress", connection.remoteAddress()));
    Future<ConnectionHandle> registering = ConnectionHandle.register(vertx, registration, order -> {
      handles.remove(connection.connectionId());
      BrowserBridge b = bridge;
      if (b != null) {
        String reason = order.getString("reason", "closed");
        b.disconnect(connection.connectionId(), "banned".equals(reason) ? 4403 : 4410, reason, order.getString("message", reason));
      }
    }, payload -> {
      BrowserBridge b = bridge;
      if (b == null) {
        throw new IllegalStateException("the bridge is not mounted");
      }
      b.direct(connection.connectionId(), payload);
    });
    handles.put(connection.connectionId(), registering);
    return registering.onFailure(e -> handles.remove(connection.connectionId(), registering)).mapEmpty();
  }

  @Override
  public void joined(BrowserConnection connection, String topic) {
    Future<ConnectionHandle> registering = handles.get(connection.connectionId());
    if (registering != null) {
      registering.onSuccess(handle -> handle.joined(topic));
    }
  }

  @Override
  public void left(BrowserConnection connection, String topic) {
    Future<ConnectionHandle> registering = handles.get(connection.connectionId());
    if (registering != null) {
      registering.onSuccess(handle -> handle.left(topic));
    }
  }

  @Override
  public void closed(BrowserConnection connection) {
    // Also when the registration is still under way: it is removed as soon as it completes.
    Future<ConnectionHandle> registering = handles.remove(connection.connectionId());
    if (registering != null) {
      registering.onSuccess(ConnectionHandle::close);
    }
  }
}
