package io.feedbus.presence;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /connections/events?uid=&serverId=&transport=}: the registry's lifecycle events
 * ({@link PresenceAddresses#EVENTS}, every node's) as server-sent events, {@code event: <type>} and
 * {@code data: {type, connection, reason?, serverId}}, filtered on the connection's uid, node and
 * transport. Live only: what happened before the stream opened is in {@code GET /connections}.
 */
final class LifecycleStream {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleStream.class);
  private static final long KEEP_ALIVE_MILLIS = 15_000;

  private LifecycleStream() {
  }

  static void serve(RoutingContext ctx, Vertx vertx) {
    String uid = parameter(ctx, "uid");
    String serverId = parameter(ctx, "serverId");
    String transport = parameter(ctx, "transport");
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
        .putHeader("content-type", "text/event-stream")
        .putHeader("cache-control", "no-cache")
        .setStatusCode(200);
    response.write(": feedbus connection events\n\n");
    MessageConsumer<JsonObject> events = vertx.eventBus().consumer(PresenceAddresses.EVENTS, m -> {
      JsonObject event = m.body();
      JsonObject connection = event.getJsonObject("connection", new JsonObject());
      if (!matches(uid, connection.getString("uid")) || !matches(serverId, connection.getString("serverId"))
          || !matches(transport, connection.getString("transport"))) {
        return;
      }
      if (response.writeQueueFull()) {
        LOG.info("connection event stream of {} ended: it reads too slowly", ctx.request().remoteAddress());
        response.write("event: closing\ndata: " + new JsonObject().put("code", "slow_consumer")
            .put("reason", "the client did not keep up").encode() + "\n\n");
        response.end();
        return;
      }
      response.write("event: " + event.getString("type") + "\ndata: " + event.encode() + "\n\n");
    });
    long keepAlive = vertx.setPeriodic(KEEP_ALIVE_MILLIS, id -> {
      if (!response.ended() && !response.closed()) {
        response.write(": keep-alive\n\n");
      }
    });
    Runnable stop = () -> {
      vertx.cancelTimer(keepAlive);
      events.unregister();
    };
    response.closeHandler(v -> stop.run());
    response.endHandler(v -> stop.run());
  }

  private static String parameter(RoutingContext ctx, String name) {
    String value = ctx.queryParams().get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  private static boolean matches(String wanted, String actual) {
    return wanted == null || wanted.equals(actual);
  }
}
