package io.feedbus.bridge;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * A TCP proxy in front of a server, standing for a browser's slow network. It reads what the server
 * sends freely ({@link #flow}), not at all ({@link #stall}), or a few bytes per tick ({@link #throttle}:
 * alternately stalled and reading), so the server's writes back up as to a browser that reads too
 * slowly. What the browser sends always flows. Everything runs on the proxy's own context.
 * ({@code io.feedbus.testing.TcpProxy} freezes both directions at once and cannot throttle.)
 */
final class StallingProxy {

  private enum Mode { FLOWING, STALLED, THROTTLED }

  private final Vertx vertx;
  private final Context context;
  private final NetClient client;
  private final Set<NetSocket> upstreams = new HashSet<>();
  private NetServer server;
  private Mode mode = Mode.FLOWING;
  private long ticks = -1;
  /** Bytes still to read in this tick, while throttled. */
  private long budget;

  private StallingProxy(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    // A small receive buffer: while the proxy does not read, the server's queue backs up after a few frames.
    this.client = vertx.createNetClient(new NetClientOptions().setReceiveBufferSize(4096));
  }

  static Future<StallingProxy> start(Vertx vertx, int targetPort) {
    StallingProxy proxy = new StallingProxy(vertx);
    Promise<StallingProxy> started = Promise.promise();
    proxy.context.runOnContext(v -> vertx.createNetServer()
        .connectHandler(downstream -> proxy.accept(downstream, targetPort))
        .listen(0, "127.0.0.1")
        .onSuccess(server -> proxy.server = server)
        .map(proxy)
        .onComplete(started));
    return started.future();
  }

  private void accept(NetSocket downstream, int targetPort) {
    downstream.pause();
    client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        downstream.close();
        return;
      }
      NetSocket upstream = ar.result();
      upstreams.add(upstream);
      downstream.handler(data -> {
        upstream.write(data);
        if (upstream.writeQueueFull()) {
          downstream.pause();
          upstream.drainHandler(v -> downstream.resume());
        }
      });
      upstream.handler(data -> {
        downstream.write(data);
        if (downstream.writeQueueFull()) {
          upstream.pause();
          downstream.drainHandler(v -> {
            if (mode == Mode.FLOWING) {
              upstream.resume();
            }
          });
        } else if (mode == Mode.THROTTLED && (budget -= data.length()) <= 0) {
          upstream.pause();
        }
      });
      upstream.closeHandler(v -> {
        upstreams.remove(upstream);
        downstream.close();
      });
      downstream.closeHandler(v -> upstream.close());
      if (mode == Mode.STALLED) {
        upstream.pause();
      }
      downstream.resume();
    });
  }

  /** Reads from the server freely. */
  Future<Void> flow() {
    return to(Mode.FLOWING);
  }

  /** Stops reading from the server, on every connection. */
  Future<Void> stall() {
    return to(Mode.STALLED);
  }

  /** Reads about {@code bytesPerTick} every {@code tickMillis}, and nothing in between. */
  Future<Void> throttle(long bytesPerTick, long tickMillis) {
    return to(Mode.THROTTLED).compose(v -> onContext(() -> ticks = vertx.setPeriodic(tickMillis, id -> {
      budget = bytesPerTick;
      upstreams.forEach(NetSocket::resume);
    })));
  }

  private Future<Void> to(Mode next) {
    return onContext(() -> {
      mode = next;
      if (ticks >= 0) {
        vertx.cancelTimer(ticks);
        ticks = -1;
      }
      upstreams.forEach(next == Mode.FLOWING ? NetSocket::resume : NetSocket::pause);
    });
  }

  int port() {
    return server.actualPort();
  }

  String origin() {
    return "http://127.0.0.1:" + port();
  }

  Future<Void> close() {
    return onContext(() -> { }).compose(v -> {
      if (ticks >= 0) {
        vertx.cancelTimer(ticks);
      }
      return server.close();
    }).eventually(client::close);
  }

  private Future<Void> onContext(Runnable action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      action.run();
      done.complete();
    });
    return done.future();
  }
}
