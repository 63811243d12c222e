package io.feedbus.presence;

import io.feedbus.event.FeedbusException;
import io.feedbus.http.HttpAuth;
import io.feedbus.http.HttpErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * HTTP onto the registry's bus services: {@code GET /connections?serverId=&uid=&transport=&limit=},
 * {@code GET /connections/count-by-server} ({@code [{serverId, count}]}),
 * {@code GET /connections/count-by-uid/{uid}}, {@code GET /canStream/{uid}}, {@code GET /endStream/{uid}},
 * {@code GET /admission/{uid}}, {@code POST /admission/{uid}/renew}, and management:
 * {@code GET /connections/settings}, {@code PUT /connections/cap} {@code {cap, serverId?}},
 * {@code PUT /connections/accepting} {@code {accepting, closeExisting?, serverId?}},
 * {@code PUT /connections/priorities/{uid}} {@code {priority}}; the lifecycle stream
 * {@code GET /connections/events} (SSE), targeted delivery {@code POST /connections/send}
 * {@code {select, payload}}, and who listens to a topic, {@code GET /topics/{topic}/presence} (with
 * the topic's subscribe right). Every other one needs a management credential (an API key, or a
 * token whose claim grants admin) unless {@code auth.openManagement}; with
 * {@code presence.allowSendToOwnUid}, a token's holder may also send to the connections of its own uid.
 */
public final class PresenceRoutes {

  private PresenceRoutes() {
  }

  /**
   * Mounts the routes; a {@code /connections/send} body holds at most {@code maxSendBytes} of
   * payload, and a token's holder may send to its own uid's connections when {@code allowSendToOwnUid}.
   */
  public static void mount(Router router, Vertx vertx, int maxSendBytes, boolean allowSendToOwnUid, HttpAuth auth) {
    // First, so nothing below (body reading included) runs for a caller without the right.
    router.route("/connections/send").handler(auth.managementOrOwnUid(allowSendToOwnUid));
    router.routeWithRegex("/connections(?!/send$).*").handler(auth.management());
    for (String path : new String[] {"/canStream/*", "/endStream/*", "/admission/*"}) {
      router.route(path).handler(auth.management());
    }
    router.get("/connections/events").handler(ctx -> LifecycleStream.serve(ctx, vertx));
    router.get("/topics/:topic/presence").handler(auth.topic(false));
    router.get("/topics/:topic/presence").handler(ctx ->
        reply(ctx, vertx, PresenceAddresses.PRESENCE, new JsonObject().put("topic", ctx.pathParam("topic"))));
    router.post("/connections/send").handler(BodyHandler.create(false).setBodyLimit(maxSendBytes + 16 * 1024));
    router.post("/connections/send").handler(ctx -> withBody(ctx, body -> {
      String ownUid = HttpAuth.ownUidOnly(ctx);
      if (ownUid != null) {
        FeedbusException refusal = toOwnUid(body, ownUid);
        if (refusal != null) {
          HttpErrors.send(ctx, refusal);
          return;
        }
      }
      reply(ctx, vertx, PresenceAddresses.SEND, body);
    }));
    router.get("/connections").handler(ctx -> {
      JsonObject request = new JsonObject();
      for (String name : new String[] {"serverId", "uid", "transport"}) {
        String value = ctx.queryParams().get(name);
        if (value != null && !value.isEmpty()) {
          request.put(name, value);
        }
      }
      String limit = ctx.queryParams().get("limit");
      if (limit != null && !limit.isEmpty()) {
        try {
          request.put("limit", Long.parseLong(limit));
        } catch (NumberFormatException e) {
          HttpErrors.send(ctx, FeedbusException.badRequest("bad_request", "limit must be a whole number, not '" + limit + "'"));
          return;
        }
      }
      reply(ctx, vertx, PresenceAddresses.LIST, request);
    });
    router.get("/connections/count-by-server").handler(ctx -> HttpErrors.reply(ctx,
        request(vertx, PresenceAddresses.COUNT_BY_SERVER, new JsonObject()).map(body -> body.getJsonArray("counts").encode()), 200));
    router.get("/connections/count-by-uid/:uid").handler(ctx ->
        reply(ctx, vertx, PresenceAddresses.COUNT_BY_UID, new JsonObject().put("uid", ctx.pathParam("uid"))));
    router.get("/connections/settings").handler(ctx -> reply(ctx, vertx, PresenceAddresses.SETTINGS, new JsonObject()));
    router.get("/canStream/:uid").handler(ctx -> reply(ctx, vertx, PresenceAddresses.ACQUIRE, new JsonObject().put("uid", ctx.pathParam("uid"))));
    router.get("/endStream/:uid").handler(ctx -> reply(ctx, vertx, PresenceAddresses.RELEASE, new JsonObject().put("uid", ctx.pathParam("uid"))));
    router.get("/admission/:uid").handler(ctx -> reply(ctx, vertx, PresenceAddresses.STATE, new JsonObject().put("uid", ctx.pathParam("uid"))));
    router.post("/admission/:uid/renew").handler(ctx -> reply(ctx, vertx, PresenceAddresses.RENEW, new JsonObject().put("uid", ctx.pathParam("uid"))));
    router.put("/connections/*").handler(BodyHandler.create(false).setBodyLimit(16 * 1024));
    router.put("/connections/cap").handler(ctx -> withBody(ctx, body -> reply(ctx, vertx, PresenceAddresses.CAP, body)));
    router.put("/connections/accepting").handler(ctx -> withBody(ctx, body -> reply(ctx, vertx, PresenceAddresses.ACCEPTING, body)));
    router.put("/connections/priorities/:uid").handler(ctx ->
        withBody(ctx, body -> reply(ctx, vertx, PresenceAddresses.PRIORITY, body.put("uid", ctx.pathParam("uid")))));
  }

  /**
   * Restricts a send to the connections of {@code uid} (a token's holder without management rights):
   * a selection without a uid gets it; one naming another uid is refused.
   */
  private static FeedbusException toOwnUid(JsonObject body, String uid) {
    Object select = body.getValue("select", new JsonObject());
    if (!(select instanceof JsonObject)) {
      return null; // the registry refuses it as malformed
    }
    Object selected = ((JsonObject) select).getValue("uid");
    if (selected == null) {
      body.put("select", ((JsonObject) select).copy().put("uid", uid));
      return null;
    }
    if (!uid.equals(selected)) {
      return FeedbusException.forbidden(uid + " may send only to the connections of its own uid, not of '" + selected
          + "' (presence.allowSendToOwnUid); other sends need an API key, or a token whose claim grants admin");
    }
    return null;
  }

  private static void withBody(RoutingContext ctx, java.util.function.Consumer<JsonObject> then) {
    Object parsed;
    try {
      parsed = ctx.body().buffer() == null || ctx.body().length() == 0 ? null : ctx.body().buffer().toJsonValue();
    } catch (DecodeException e) {
      HttpErrors.send(ctx, FeedbusException.badRequest("malformed_json", "the body is not valid JSON"));
      return;
    }
    if (!(parsed instanceof JsonObject)) {
      HttpErrors.send(ctx, FeedbusException.badRequest("bad_request", "the body must be a JSON object"));
      return;
    }
    then.accept((JsonObject) parsed);
  }

  private static void reply(RoutingContext ctx, Vertx vertx, String address, JsonObject request) {
    HttpErrors.reply(ctx, request(vertx, address, request), 200);
  }

  private static Future<JsonObject> request(Vertx vertx, String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(io.feedbus.event.Nodes.nearest(vertx, address), body).map(m -> m.body());
  }
}
