package io.feedbus.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy for outage tests: listens on 127.0.0.1 (random port) and forwards each
 * connection to a target. {@link #dropAll()} cuts every current connection (both sides see the
 * socket close), {@link #pause()} makes new connections close right after they are accepted until
 * {@link #resume()}, and {@link #freeze()} stops carrying bytes on the current connections while
 * keeping them open (a link that went silent), until {@link #thaw()}.
 */
public final class TcpProxy {

  private final NetServer server;
  private final NetClient client;
  private volatile String targetHost;
  private volatile int targetPort;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean paused;
  private final Set<NetSocket> frozen = ConcurrentHashMap.newKeySet();

  private TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0));
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
  }

  /** Starts a proxy to {@code targetHost:targetPort}. */
  public static Future<TcpProxy> start(Vertx vertx, String targetHost, int targetPort) {
    TcpProxy proxy = new TcpProxy(vertx, targetHost, targetPort);
    proxy.server.connectHandler(proxy::accept);
    return proxy.server.listen().map(s -> proxy);
  }

  public int port() {
    return server.actualPort();
  }

  /** Connections accepted so far (also the refused ones while paused). */
  public int accepted() {
    return accepted.get();
  }

  /** Connections currently forwarded (each counts its two sockets once). */
  public int open() {
    return sockets.size() / 2;
  }

  /** Closes every current connection, on both sides. */
  public void dropAll() {
    List<NetSocket> all = new ArrayList<>(sockets);
    sockets.clear();
    all.forEach(NetSocket::close);
  }

  /**
   * Sends new connections to another target from now on, as a load balancer does when a backend
   * fails its health check; current connections stay where they are.
   */
  public void retarget(String host, int port) {
    this.targetHost = host;
    this.targetPort = port;
  }

  /** From now on, closes new connections right after accepting them. */
  public void pause() {
    paused = true;
  }

  public void resume() {
    paused = false;
  }

  /** Stops forwarding on every current connection without closing it; new connections are not affected. */
  public void freeze() {
    for (NetSocket socket : sockets) {
      frozen.add(socket);
      socket.pause();
    }
  }

  /** Forwards again on the connections {@link #freeze()} stopped (those still open). */
  public void thaw() {
    for (NetSocket socket : frozen) {
      socket.resume();
    }
    frozen.clear();
  }

  public Future<Void> close() {
    dropAll();
    return server.close().eventually(client::close);
  }

  private void accept(NetSocket downstream) {
    accepted.incrementAndGet();
    if (paused) {
      downstream.close();
      return;
    }
    downstream.pause();
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed() || paused) {
        downstream.close();
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      NetSocket upstream = ar.result();
      sockets.add(downstream);
      sockets.add(upstream);
      downstream.closeHandler(v -> {
        sockets.remove(downstream);
        upstream.close();
      });
      upstream.closeHandler(v -> {
        sockets.remove(upstream);
        downstream.close();
      });
      downstream.exceptionHandler(t -> downstream.close());
      upstream.exceptionHandler(t -> upstream.close());
      downstream.handler(buffer -> forward(buffer, upstream, downstream));
      upstream.handler(buffer -> forward(buffer, downstream, upstream));
      downstream.resume();
    });
  }

  /** Copies with backpressure: a full receiver pauses the sender until it drains. */
  private void forward(io.vertx.core.buffer.Buffer buffer, NetSocket to, NetSocket from) {
    to.write(buffer);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> {
        if (!frozen.contains(from)) {
          from.resume();
        }
      });
    }
  }

  @Override
  public String toString() {
    return "TcpProxy{127.0.0.1:" + port() + " -> " + targetHost + ":" + targetPort + "}";
  }
}
