package io.feedbus.bridge;

import io.feedbus.auth.Authenticator;
import io.feedbus.feed.HistoryRequest;
import io.feedbus.publish.PublishRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;

/** Mounts the browser side: the SockJS event bus bridge at {@code /eventbus} and the web page at {@code /}. */
public final class BrowserRoutes {

  /** The page's files, served from the jar: the page, its scripts and the vendored event bus client. */
  private static final String PAGE_PATHS = "/(|[A-Za-z0-9_-]+\\.(?:html|js|css|ico|svg)|vendor/[A-Za-z0-9_.-]+\\.js(?:\\.map)?)";

  /**
   * The cookie a browser may carry its token in instead of the URL (feedbus.js sets it for the
   * bridge's path only, {@code SameSite=Strict}): URLs end up in proxy and access logs, cookies do not.
   */
  public static final String TOKEN_COOKIE = "feedbus_token";

  private BrowserRoutes() {
  }

  /**
   * Hands the token cookie to the bridge as {@code Authorization: Bearer}: Vert.x's SockJS sessions
   * keep the opening request's headers but strip its cookies. An explicit header wins.
   */
  private static void tokenCookieAsAuthorization(io.vertx.ext.web.RoutingContext ctx) {
    io.vertx.core.http.Cookie cookie = ctx.request().getCookie(TOKEN_COOKIE);
    if (cookie != null && !cookie.getValue().isBlank() && ctx.request().getHeader(HttpHeaders.AUTHORIZATION) == null) {
      ctx.request().headers().set(HttpHeaders.AUTHORIZATION, "Bearer " + cookie.getValue());
    }
    ctx.next();
  }

  /** Mounts both and returns the bridge (for its counters and open sockets). */
  public static BrowserBridge mount(Router router, Vertx vertx, Authenticator auth, BridgeOptions options,
                                    BridgeObserver observer, BridgeSockets.Listener listener) {
    BrowserBridge bridge = new BrowserBridge(vertx, auth, options, observer, listener);
    SockJSBridgeOptions bridgeOptions = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(BridgePermissions.TOPIC_ADDRESS_REGEX))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(BridgePermissions.PRESENCE_ADDRESS_REGEX))
        // Where the bridge keeps browsers' registrations on topics, whose events the fan-out writes (TopicFanout).
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(TopicFanout.REGISTRATION_ADDRESS_REGEX))
        .addInboundPermitted(new PermittedOptions().setAddress(PublishRequest.ADDRESS))
        .addInboundPermitted(new PermittedOptions().setAddress(HistoryRequest.ADDRESS))
        .addInboundPermitted(new PermittedOptions().setAddress(bridge.requestAddress()))
        .setPingTimeout(options.pingTimeoutMillis)
        // The bridge bounds listeners and requests itself, each with a coded refusal; Vert.x counts
        // both together and would refuse with a bare "max_handlers_reached" that answers no request.
        .setMaxHandlersPerSocket(Integer.MAX_VALUE)
        .setReplyTimeout(2 * BridgeRequests.TIMEOUT_MILLIS);
    // The iframe transports' page loads sockjs-client from this server, not from a CDN.
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions().setLibraryURL("/vendor/sockjs.min.js"));
    router.route("/eventbus/*").handler(BrowserRoutes::tokenCookieAsAuthorization);
    // The XHR and JSONP transports POST what a browser sends, and Vert.x's SockJS handler reads a POST
    // only through a BodyHandler on the route before it (without one every send fails with 500).
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(options.maxSendRequestBytes));
    // Vert.x's bridge, seeing each browser's socket through PublishFrameSocket: publishes are taken off it (BrowserBridge.publishDirectly).
    io.vertx.ext.web.handler.sockjs.impl.EventBusBridgeImpl vertxBridge =
        new io.vertx.ext.web.handler.sockjs.impl.EventBusBridgeImpl(vertx, null, bridgeOptions, bridge);
    router.route("/eventbus/*").subRouter(sockJs.socketHandler(socket -> vertxBridge.handle(new PublishFrameSocket(vertx, socket, bridge::publishDirectly))));
    // Browsers ask for /favicon.ico on every page that names no icon (a JSON answer, say); the icon is an SVG.
    router.route("/favicon.ico").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> ctx.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION, "/favicon.svg").end());
    // One route for both methods: with one route each, a file that is not there (the static handler
    // passes it on) matched the other route's path but not its method, and answered 405, not 404.
    router.routeWithRegex(PAGE_PATHS).method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(StaticHandler.create("webroot").setIndexPage("index.html"));
    return bridge;
  }
}
