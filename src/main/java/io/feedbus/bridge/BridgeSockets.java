package io.feedbus.bridge;

import io.vertx.core.Future;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open bridge sockets, and the one place where a socket becomes a connection and stops being
 * one: plug a connection registry in through {@link Listener}.
 */
public final class BridgeSockets {

  /** Told about every browser connection; may refuse one (admission). */
  public interface Listener {
    Listener NONE = new Listener() { };

    /** A browser connected; a failed future refuses it, and the failure's message is the reason it is told. */
    default Future<Void> opened(BrowserConnection connection) {
      return Future.succeededFuture();
    }

    /** A browser's connection ended, however it ended (called once per opened connection). */
    default void closed(BrowserConnection connection) {
    }

    /** A browser started listening to a topic's events. */
    default void joined(BrowserConnection connection, String topic) {
    }

    /** A browser stopped listening to a topic's events. */
    default void left(BrowserConnection connection, String topic) {
    }
  }

  private final Map<SockJSSocket, BrowserSocket> open = new ConcurrentHashMap<>();
  /** The same sockets by connection id: the registry's close orders and targeted messages name connections. */
  private final Map<String, BrowserSocket> byConnectionId = new ConcurrentHashMap<>();
  /** Sockets being admitted (token check, registry): true once the socket closed meanwhile. */
  private final Map<SockJSSocket, Boolean> admitting = new ConcurrentHashMap<>();
  private final Listener listener;

  BridgeSockets(Listener listener) {
    this.listener = listener;
  }

  /** A socket opened: from now on its close is remembered, also while it is being admitted. */
  void admitting(SockJSSocket socket) {
    admitting.put(socket, false);
  }

  /** The socket was refused before it reached the listener (e.g. its token). */
  void refused(SockJSSocket socket) {
    admitting.remove(socket);
  }

  /**
   * Asks the listener, then tracks the socket; fails when the listener refuses. A socket that closed
   * while the listener was asked is closed at the listener at once and never tracked.
   */
  Future<Void> admit(BrowserSocket socket) {
    return listener.opened(socket.connection).andThen(ar -> {
      boolean closedMeanwhile = Boolean.TRUE.equals(admitting.remove(socket.socket));
      if (ar.failed()) {
        return;
      }
      if (closedMeanwhile || socket.closed) {
        socket.closed = true;
        listener.closed(socket.connection);
      } else {
        open.put(socket.socket, socket);
        byConnectionId.put(socket.connection.connectionId(), socket);
      }
    }).compose(v -> socket.closed ? Future.failedFuture(new ClosedWhileAdmitted()) : Future.succeededFuture());
  }

  /** The socket closed while it was being admitted: it is gone from the listener already. */
  static final class ClosedWhileAdmitted extends RuntimeException {
    ClosedWhileAdmitted() {
      super("the socket closed while it was being admitted", null, false, false);
    }
  }

  Listener listener() {
    return listener;
  }

  /** The open socket of connection {@code connectionId}, or null. */
  BrowserSocket byConnectionId(String connectionId) {
    return byConnectionId.get(connectionId);
  }

  BrowserSocket get(SockJSSocket socket) {
    return open.get(socket);
  }

  /** Forgets a socket; true the first time for an admitted one. */
  boolean remove(SockJSSocket socket) {
    if (admitting.computeIfPresent(socket, (k, closed) -> true) != null) {
      return false; // admission will see it closed
    }
    BrowserSocket removed = open.remove(socket);
    if (removed == null) {
      return false;
    }
    byConnectionId.remove(removed.connection.connectionId());
    removed.closed = true;
    listener.closed(removed.connection);
    return true;
  }

  /** A snapshot of the open sockets. */
  java.util.List<BrowserSocket> all() {
    return java.util.List.copyOf(open.values());
  }

  public int count() {
    return open.size();
  }

  /** The connections open right now. */
  public Collection<BrowserConnection> connections() {
    return Collections.unmodifiableCollection(open.values().stream().map(s -> s.connection).toList());
  }
}
