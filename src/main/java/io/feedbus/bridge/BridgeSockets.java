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
  }

  private final Map<SockJSSocket, BrowserSocket> open = new ConcurrentHashMap<>();
  private final Listener listener;

  BridgeSockets(Listener listener) {
    this.listener = listener;
  }

  /** Asks the listener, then tracks the socket; fails when the listener refuses. */
  Future<Void> admit(BrowserSocket socket) {
    return listener.opened(socket.connection).onSuccess(v -> {
      if (socket.closed) {
        listener.closed(socket.connection);
      } else {
        open.put(socket.socket, socket);
      }
    });
  }

  BrowserSocket get(SockJSSocket socket) {
    return open.get(socket);
  }

  /** Forgets a socket; true the first time for an admitted one. */
  boolean remove(SockJSSocket socket) {
    BrowserSocket removed = open.remove(socket);
    if (removed == null) {
      return false;
    }
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
