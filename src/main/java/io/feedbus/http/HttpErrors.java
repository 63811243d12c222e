package io.feedbus.http;

import io.feedbus.event.FeedbusException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into a status and a JSON body {@code {error, message}}. */
public final class HttpErrors {

  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {
  }

  /** Installs the JSON error handlers on a router. */
  public static void install(Router router) {
    router.route().failureHandler(HttpErrors::handleFailure);
    // Vert.x Web answers a path it cannot decode (a%zzb) with a bare 400 before any route runs.
    router.errorHandler(400, ctx -> send(ctx, ctx.failure() instanceof FeedbusException ? (FeedbusException) ctx.failure()
        : FeedbusException.badRequest("bad_request", "the request is not valid HTTP"
            + (ctx.failure() instanceof IllegalArgumentException ? ": " + ctx.failure().getMessage() : ""))));
    router.errorHandler(404, ctx -> send(ctx, new FeedbusException(404, "not_found", "no such resource: " + ctx.request().path())));
    router.errorHandler(405, ctx -> send(ctx, new FeedbusException(405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.request().path())));
  }

  private static void handleFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    FeedbusException error;
    if (failure != null) {
      error = FeedbusException.from(failure);
    } else if (ctx.statusCode() == 413) {
      error = FeedbusException.payloadTooLarge("the request body is larger than this server accepts");
    } else {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      error = new FeedbusException(status, status < 500 ? "bad_request" : "internal", "request failed with status " + status);
    }
    if (error.status() >= 500) {
      LOG.warn("{} {} failed: {}", ctx.request().method(), ctx.request().path(), error.getMessage(), error.getCause());
    }
    send(ctx, error);
  }

  /**
   * 400 {@code malformed_json} saying where the body stops being JSON, without the parser's own
   * text (which names its classes and token types).
   */
  public static FeedbusException malformedJson(io.vertx.core.json.DecodeException e) {
    Throwable cause = e.getCause();
    if (cause instanceof com.fasterxml.jackson.core.JsonProcessingException
        && ((com.fasterxml.jackson.core.JsonProcessingException) cause).getLocation() != null) {
      com.fasterxml.jackson.core.JsonLocation at = ((com.fasterxml.jackson.core.JsonProcessingException) cause).getLocation();
      return FeedbusException.badRequest("malformed_json", "the body is not valid JSON (line " + at.getLineNr()
          + ", column " + at.getColumnNr() + ")");
    }
    return FeedbusException.badRequest("malformed_json", "the body is not valid JSON");
  }

  public static void send(RoutingContext ctx, FeedbusException error) {
    if (ctx.response().ended()) {
      return;
    }
    if (error.status() == 401) {
      // RFC 6750 / 7235: say which schemes are accepted.
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"feedbus\", apikey realm=\"feedbus\"");
    }
    ctx.response().setStatusCode(error.status()).putHeader("content-type", "application/json")
        .end(error.toJson().encode());
  }

  /** Sends a future's JSON result with {@code status}, or its failure as an error body. */
  public static void reply(RoutingContext ctx, Future<?> result, int status) {
    result.onComplete(ar -> {
      if (ar.failed()) {
        send(ctx, FeedbusException.from(ar.cause()));
      } else if (!ctx.response().ended()) {
        Object body = ar.result();
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
            .end(body instanceof JsonObject ? ((JsonObject) body).encode() : String.valueOf(body));
      }
    });
  }
}
