package io.feedbus.bridge;

import io.feedbus.auth.AuthOptions;
import io.feedbus.auth.Authenticator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;

/**
 * A bridge on its own HTTP server, beside a feedbus node on the same Vert.x (whose publish, history
 * and live addresses it bridges), with bounds and an observer the test chooses. It serves a bare page
 * that loads only the event bus client and feedbus.js, and exposes {@code window.harness} to drive it.
 */
final class BridgeTestServer {

  static final String BARE_PAGE = "/bare.html";

  private static final io.feedbus.event.CursorClock CLOCK = new io.feedbus.event.CursorClock("bridge-test");

  /**
   * Hands browsers of {@code topic} an event with {@code payload}, as the node's feed would (by
   * reference on the topic's local address); {@code cursor} null: a new one. Browsers read the
   * payload at {@code body.payload} of the frame.
   */
  static void feed(Vertx vertx, String topic, Object payload, String cursor) {
    io.feedbus.event.EventCodec.registerOn(vertx.eventBus());
    io.feedbus.event.Cursor at = cursor != null ? io.feedbus.event.Cursor.parse(cursor) : CLOCK.next();
    io.feedbus.event.Event event = new io.feedbus.event.Event(at, topic, payload, java.util.Map.of(), "bridge-test", true);
    if (cursor == null) {
      CLOCK.settle(java.util.List.of(event));
    }
    vertx.eventBus().publish(io.feedbus.event.Topic.localAddress(topic), event, io.feedbus.event.EventCodec.localDelivery());
  }

  static void feed(Vertx vertx, String topic, Object payload) {
    feed(vertx, topic, payload, null);
  }

  /** The payload of an event's frame. */
  static io.vertx.core.json.JsonObject payload(io.vertx.core.json.JsonObject frame) {
    return frame.getJsonObject("body").getJsonObject("payload");
  }

  /** Drives feedbus.js from Selenium: a bus, its subscriptions and the ids each delivered, errors, drop notices. */
  static final String HARNESS = String.join("\n",
      "var harness = window.harness = { bus: null, subscriptions: {}, events: {}, errors: [], notices: [], direct: [] };",
      "harness.connect = function (options) {",
      "  options = options || {};",
      "  options.persistCursors = false;",
      "  options.onerror = function (e) { harness.errors.push(String(e)); };",
      "  harness.bus = new Feedbus(options);",
      "  harness.bus.onDirect(function (payload) { harness.direct.push(payload); });",
      "  var unhandled = harness.bus.eb.onunhandled;",
      "  harness.bus.eb.onunhandled = function (json) {",
      "    if (json.address === 'feedbus.bridge.dropped') harness.notices.push(json.body);",
      "    unhandled(json);",
      "  };",
      "};",
      "harness.subscribe = function (topic, from) {",
      "  var events = harness.events[topic] = [];",
      "  harness.subscriptions[topic] = harness.bus.subscribe(topic, from, function (e) { events.push(e.id); },",
      "      function (e) { harness.errors.push(String(e)); });",
      "};",
      "harness.live = function (topic) {",
      "  return !!harness.subscriptions[topic] && harness.subscriptions[topic].live;",
      "};",
      "harness.transport = function () {",
      "  var sockJs = harness.bus && harness.bus.eb.sockJSConn;",
      "  return sockJs && sockJs.readyState === 1 ? sockJs.transport : null;",
      "};");

  private static final String PAGE = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>bare</title></head><body>\n"
      + "<script src=\"vendor/sockjs.min.js\"></script>\n"
      + "<script src=\"vendor/vertx-eventbus.js\"></script>\n"
      + "<script src=\"feedbus.js\"></script>\n"
      + "<script>\n" + HARNESS + "\n</script>\n</body></html>\n";

  final HttpServer server;
  final BrowserBridge bridge;

  private BridgeTestServer(HttpServer server, BrowserBridge bridge) {
    this.server = server;
    this.bridge = bridge;
  }

  /** Starts the server; {@code routes} may add routes before the bridge's. */
  static Future<BridgeTestServer> start(Vertx vertx, BridgeOptions options, BridgeObserver observer, Consumer<Router> routes) {
    return Authenticator.create(vertx, new AuthOptions()).compose(auth -> {
      Router router = Router.router(vertx);
      router.get(BARE_PAGE).handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(PAGE));
      routes.accept(router);
      BrowserBridge bridge = BrowserRoutes.mount(router, vertx, auth, options, observer, BridgeSockets.Listener.NONE);
      // A small send buffer: a browser that stops reading fills the bridge's own queue sooner.
      return vertx.createHttpServer(new HttpServerOptions().setSendBufferSize(4096))
          .requestHandler(router)
          .listen(0, "127.0.0.1")
          .map(server -> new BridgeTestServer(server, bridge));
    });
  }

  /** Where the bare page and the bridge are, e.g. {@code http://127.0.0.1:41234}. */
  String origin() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }
}
