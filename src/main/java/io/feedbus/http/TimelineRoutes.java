package io.feedbus.http;

import io.feedbus.event.Ack;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Nodes;
import io.feedbus.feed.HistoryPage;
import io.feedbus.feed.HistoryRequest;
import io.feedbus.publish.PublishRequest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /topics/{topic}/events} and {@code GET /topics/{topic}/events?after=&since=&limit=} (forward)
 * or {@code ?before=<cursor>|end&limit=} (the newest page before a cursor or the end):
 * thin adapters onto the {@code feedbus.publish} and {@code feedbus.history} bus services, behind
 * the caller's publish and subscribe rights on the topic.
 */
public final class TimelineRoutes {

  private TimelineRoutes() {
  }

  /** Mounts the routes; a history {@code limit} above {@code maxHistoryLimit} is refused (the bus lowers it). */
  public static void mount(Router router, Vertx vertx, int maxPayloadBytes, int maxHistoryLimit, HttpAuth auth) {
    // The right is checked before the body is read: a caller without it cannot make the server buffer one.
    // Separate routes: Vert.x-web refuses a body handler after a user handler on one route.
    router.post("/topics/:topic/events").handler(auth.topic(true));
    // Room for the envelope around a payload at the limit; the publish service checks the payload itself.
    // The body's buffer is sized by Content-Length (else Vert.x starts every body at 1 KiB, 3x a typical event).
    router.post("/topics/:topic/events").handler(BodyHandler.create(false).setBodyLimit(maxPayloadBytes + 64L * 1024)
        .setPreallocateBodyBuffer(true));
    router.post("/topics/:topic/events").handler(ctx -> publish(ctx, vertx));
    router.get("/topics/:topic/events").handler(auth.topic(false)).handler(ctx -> history(ctx, vertx, maxHistoryLimit));
  }

  private static void publish(RoutingContext ctx, Vertx vertx) {
    JsonObject body;
    try {
      Object parsed = ctx.body().buffer() == null || ctx.body().length() == 0 ? null : ctx.body().buffer().toJsonValue();
      if (!(parsed instanceof JsonObject)) {
        throw FeedbusException.badRequest("bad_request", "the body must be a JSON object like {\"payload\": ...}");
      }
      body = (JsonObject) parsed;
    } catch (DecodeException e) {
      HttpErrors.send(ctx, HttpErrors.malformedJson(e));
      return;
    } catch (FeedbusException e) {
      HttpErrors.send(ctx, e);
      return;
    }
    if (body.containsKey("topic") && !ctx.pathParam("topic").equals(body.getValue("topic"))) {
      HttpErrors.send(ctx, FeedbusException.badRequest("invalid_topic", "the body's topic differs from the path's"));
      return;
    }
    body.put("topic", ctx.pathParam("topic"));
    // The parsed body is the route's own: it goes to the publish service as it is.
    HttpErrors.reply(ctx, PublishRequest.send(vertx, body, DeliveryOptions.DEFAULT_TIMEOUT).map(Ack::encode), 201);
  }

  private static void history(RoutingContext ctx, Vertx vertx, int maxLimit) {
    JsonObject request = new JsonObject().put("topic", ctx.pathParam("topic"));
    try {
      for (String cursor : new String[] {"after", "before"}) {
        String value = ctx.queryParams().get(cursor);
        if (value != null && !value.isEmpty()) {
          request.put(cursor, value);
        }
      }
      putLong(request, "since", ctx.queryParams().get("since"));
      putLong(request, "limit", ctx.queryParams().get("limit"));
      if (request.getLong("limit", 1L) > maxLimit) {
        // Said, not silently lowered: a client that asked for more would take a short page for the end.
        throw FeedbusException.badRequest("invalid_limit", "limit must be from 1 to " + maxLimit + " (history.maxLimit), not "
            + request.getLong("limit") + "; page on with next or older");
      }
    } catch (FeedbusException e) {
      HttpErrors.send(ctx, e);
      return;
    }
    // This node's own history service hands over the page itself, whose stored events are written as they are.
    String address = Nodes.local(vertx) != null ? HistoryRequest.LOCAL_ADDRESS : HistoryRequest.ADDRESS;
    HttpErrors.reply(ctx, vertx.eventBus().request(address, request)
        .map(m -> m.body() instanceof HistoryPage page ? page.encode() : m.body()), 200);
  }

  private static void putLong(JsonObject request, String name, String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    try {
      request.put(name, Long.parseLong(value));
    } catch (NumberFormatException e) {
      throw FeedbusException.badRequest("invalid_" + name, name + " must be a whole number, not '" + value + "'");
    }
  }
}
