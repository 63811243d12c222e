package io.feedbus.http;

import io.feedbus.FeedbusOptions;
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

  public HttpVerticle(FeedbusOptions.Http options, Consumer<Router> routes) {
    this.options = options;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    routes.accept(router);
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(options.port, options.host)
        .onSuccess(s -> server = s);
  }

  /** The port the server listens on (useful when configured as 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
