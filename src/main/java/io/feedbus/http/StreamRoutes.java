package io.feedbus.http;

import io.feedbus.auth.Caller;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Topic;
import io.feedbus.presence.ClientFields;
import io.feedbus.presence.PresenceOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /topics/{topic}/stream?after=<cursor>|since=<epoch ms>}: a topic as server-sent events,
 * first the stored events after the bound, then live ones, without gap or duplicate (the Java
 * client's replay-then-live subscription, run server side). Each event is {@code id: <cursor>},
 * {@code event: event}, {@code data: <event JSON>}; {@code Last-Event-ID} resumes like {@code after}.
 * The server ends a stream with {@code event: closing} and {@code data: {code, reason}} when it
 * shuts down ({@code shutting_down}) or when the client reads too slowly ({@code slow_consumer}: the
 * response's write queue filled up; the client resumes from its last id), or when the caller's token
 * expires ({@code token_expired}). A stream needs the subscribe right on its topic; it registers as a
 * connection of the caller's uid.
 */
public final class StreamRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);
  // An event's SSE frame around its cursor and JSON: "id: <cursor>\nevent: event\ndata: <json>\n\n".
  private static final byte[] ID = ascii("id: ");
  private static final byte[] EVENT_DATA = ascii("\nevent: event\ndata: ");
  private static final byte[] END = ascii("\n\n");

  /** How SSE streams show in the connection registry. */
  public static final String TRANSPORT = "sse";

  private final Vertx vertx;
  private final FeedbusClient client;
  private final PresenceOptions presence;
  private final Set<Stream> open = ConcurrentHashMap.newKeySet();

  private StreamRoutes(Vertx vertx, PresenceOptions presence, int maxLiveBuffer) {
    this.vertx = vertx;
    this.client = FeedbusClient.create(vertx).withMaxLiveBuffer(maxLiveBuffer);
    this.presence = presence;
  }

  /**
   * Mounts the route and returns the streams' owner (to close them all on shutdown); streams take the
   * connection fields {@code presence.clientFields} allow from the query, and keep at most
   * {@code maxLiveBuffer} live events while they replay ({@code history.maxLiveBuffer}).
   */
  public static StreamRoutes mount(Router router, Vertx vertx, PresenceOptions presence, int maxLiveBuffer, HttpAuth auth) {
    StreamRoutes routes = new StreamRoutes(vertx, presence, maxLiveBuffer);
    router.get("/topics/:topic/stream").handler(auth.topic(false));
    router.get("/topics/:topic/stream").handler(routes::stream);
    return routes;
  }

  /** How many streams are open. */
  public int count() {
    return open.size();
  }

  /** Ends every stream with a closing event; call it on the HTTP server's context. */
  public Future<Void> closeAll(String code, String reason) {
    for (Stream stream : List.copyOf(open)) {
      stream.close(code, reason);
    }
    return Future.succeededFuture();
  }

  private void stream(RoutingContext ctx) {
    String from;
    JsonObject fields;
    try {
      Topic.validate(ctx.pathParam("topic"));
      fields = ClientFields.from(queryParameters(ctx), HttpAuth.caller(ctx).fields(), presence);
      from = startCursor(ctx.queryParams().get("after"), ctx.request().getHeader("Last-Event-ID"), ctx.queryParams().get("since"));
    } catch (FeedbusException e) {
      HttpErrors.send(ctx, e);
      return;
    }
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
        .putHeader("content-type", "text/event-stream")
        .putHeader("cache-control", "no-cache")
        .setStatusCode(200);
    response.write(": feedbus stream of " + ctx.pathParam("topic") + "\n\n");
    Stream stream = new Stream(response);
    open.add(stream);
    response.closeHandler(v -> stream.cancel());
    Caller caller = HttpAuth.caller(ctx);
    if (caller.expiresAtMillis() > 0) {
      // Like the bridge: a stream lives no longer than the token it was opened with.
      stream.expiryTimer = vertx.setTimer(Math.max(1, caller.expiresAtMillis() - System.currentTimeMillis()),
          id -> stream.close("token_expired", "the access token expired; reconnect with a fresh one and resume after the last id received"));
    }
    client.withFields(fields).withDirectHandler(stream::direct)
        .subscribeForTransport(ctx.pathParam("topic"), from, caller.uid(), TRANSPORT, stream::send).onComplete(ar -> {
      if (ar.failed()) {
        FeedbusException error = FeedbusException.from(ar.cause());
        stream.close(error.code(), error.getMessage());
      } else if (stream.ended) {
        ar.result().cancel();
      } else {
        stream.subscription = ar.result();
        // The registry may close the stream's connection (drain, ban, lifetime, expiry): end it with the reason.
        ar.result().closed().onSuccess(reason -> {
          if (!"cancelled".equals(reason)) {
            stream.close(reason, "the connection registry closed this stream (" + reason + "); resume after the last id received");
          }
        });
      }
    });
  }

  private static java.util.Map<String, List<String>> queryParameters(RoutingContext ctx) {
    java.util.Map<String, List<String>> parameters = new java.util.HashMap<>();
    ctx.queryParams().names().forEach(name -> parameters.put(name, ctx.queryParams().getAll(name)));
    return parameters;
  }

  /** The cursor to replay after: {@code after}, else {@code Last-Event-ID}, else just before {@code since}; null: live only. */
  static String startCursor(String after, String lastEventId, String since) {
    String cursor = after != null && !after.isEmpty() ? after : lastEventId;
    if (cursor != null && !cursor.isEmpty()) {
      return Cursor.parse(cursor).value();
    }
    if (since != null && !since.isEmpty()) {
      long ts;
      try {
        ts = Long.parseLong(since);
      } catch (NumberFormatException e) {
        throw FeedbusException.badRequest("invalid_since", "since must be a timestamp in epoch milliseconds, not '" + since + "'");
      }
      if (ts < 1 || ts > 9_999_999_999_999L) {
        throw FeedbusException.badRequest("invalid_since", "since must be a timestamp in epoch milliseconds, not '" + since + "'");
      }
      // The largest cursor of the millisecond before: everything after it is at or after since.
      return String.format("%013d-999999-ffffffff", ts - 1);
    }
    return null;
  }

  private final class Stream {
    private final HttpServerResponse response;
    Subscription subscription;
    long expiryTimer = -1;
    boolean ended;

    Stream(HttpServerResponse response) {
      this.response = response;
    }

    void send(Event event) {
      if (ended) {
        return;
      }
      if (response.writeQueueFull()) {
        LOG.info("stream of {} disconnected: the client reads too slowly", event.topic());
        close("slow_consumer", "the client did not keep up; resume after the last id received");
        return;
      }
      // One buffer, filled from the event's UTF-8 (which the embedded engine's journal made already).
      byte[] json = event.encodeUtf8();
      String cursor = event.cursor().value();
      response.write(Buffer.buffer(ID.length + cursor.length() + EVENT_DATA.length + json.length + END.length)
          .appendBytes(ID).appendString(cursor).appendBytes(EVENT_DATA).appendBytes(json).appendBytes(END));
    }

    /** A message sent to this stream's connection ({@code /connections/send}): {@code event: direct}. */
    void direct(Object payload) {
      if (ended) {
        throw new IllegalStateException("the stream has ended");
      }
      if (response.writeQueueFull()) {
        throw new IllegalStateException("the client reads too slowly");
      }
      response.write("event: direct\ndata: " + io.vertx.core.json.Json.encode(payload) + "\n\n");
    }

    void close(String code, String reason) {
      if (ended) {
        return;
      }
      response.write("event: closing\ndata: " + new JsonObject().put("code", code).put("reason", reason).encode() + "\n\n");
      response.end();
      cancel();
    }

    void cancel() {
      ended = true;
      open.remove(this);
      if (expiryTimer >= 0) {
        vertx.cancelTimer(expiryTimer);
      }
      if (subscription != null) {
        subscription.cancel();
      }
    }
  }

  private static byte[] ascii(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
