package io.feedbus.http;

import io.feedbus.FeedbusOptions;
import io.feedbus.InUseException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;

/** The HTTP server; what it serves is mounted by the features that own the routes. */
public final class HttpVerticle extends VerticleBase {

  private final FeedbusOptions.Http options;
  private final Consumer<Router> routes;
  private HttpServer server;
  private Future<Void> shutdown;

  public HttpVerticle(FeedbusOptions.Http options, Consumer<Router> routes) {
    this.options = options;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    routes.accept(router);
    return vertx.createHttpServer()
        .connectionHandler(HttpVerticle::tuneConnection)
        .requestHandler(router)
        .listen(options.port, options.host)
        .onSuccess(s -> server = s)
        .recover(e -> Future.failedFuture(inUse(e) ? new InUseException("http.port = " + options.port + ": "
            + options.host + ":" + options.port + " is in use by another process; stop it or choose another port (--port)", e) : e));
  }

  /**
   * Connections flush once per turn of their event loop ({@link LoopFlushCoalescer}), and write a
   * fan-out's shared WebSocket frame ({@link SharedWebSocketFrames}) once upgraded.
   */
  static void tuneConnection(io.vertx.core.http.HttpConnection connection) {
    if (connection instanceof io.vertx.core.net.impl.ConnectionBase base) {
      io.netty.channel.ChannelPipeline pipeline = base.channel().pipeline();
      pipeline.addFirst("feedbus-flush-coalescing", new LoopFlushCoalescer());
      // Vert.x keeps its handler's name when a WebSocket upgrade replaces it, so this stays in front of it.
      if (pipeline.get("handler") != null) {
        pipeline.addBefore("handler", "feedbus-shared-frames", SharedWebSocketFrames.WRITER);
      }
    }
  }

  private static boolean inUse(Throwable e) {
    // NIO says BindException; the native transports an IOException with the OS's text.
    return e instanceof java.net.BindException || String.valueOf(e.getMessage()).contains("Address already in use");
  }

  /** Runs {@code action} on this verticle's context (where the routes' handlers run) and returns its result. */
  public <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    io.vertx.core.Promise<T> promise = io.vertx.core.Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  /** The port the server listens on (useful when configured as 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /**
   * Stops accepting connections at once, lets requests in flight finish for up to {@code graceMillis},
   * then closes what is left; the future completes when every connection is closed.
   */
  public synchronized Future<Void> shutdown(long graceMillis) {
    if (shutdown == null) {
      shutdown = server == null ? Future.succeededFuture() : server.shutdown(graceMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    return shutdown;
  }

  @Override
  public Future<?> stop() {
    return shutdown(0);
  }

  /** The context this verticle runs on, once deployed (where the node places the verticles an event passes through). */
  public io.vertx.core.Context context() {
    return context;
  }
}
