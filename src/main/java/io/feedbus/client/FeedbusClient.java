package io.feedbus.client;

import io.feedbus.event.Ack;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Nodes;
import io.feedbus.feed.HistoryRequest;
import io.feedbus.publish.PublishRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The Java API of feedbus for JVM services on the same (possibly clustered) Vert.x: publish, read
 * history, and subscribe with replay from a cursor. Every call goes over the event bus.
 */
public final class FeedbusClient {

  /** How many events a subscription asks for per history page while replaying. */
  static final int REPLAY_PAGE = 500;
  /** The uid subscriptions register under when none is given. */
  public static final String DEFAULT_UID = "anonymous";
  /** Live events a subscription keeps while it replays history, unless {@link #withMaxLiveBuffer} says otherwise. */
  public static final int DEFAULT_MAX_LIVE_BUFFER = 5_000;

  private final Vertx vertx;
  private final DeliveryOptions requestOptions;
  private final long timeoutMillis;
  private final String uid;
  private final JsonObject fields;
  private final Handler<Object> directHandler;
  private final int maxLiveBuffer;

  private FeedbusClient(Vertx vertx, long timeoutMillis, String uid, JsonObject fields, Handler<Object> directHandler, int maxLiveBuffer) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
    this.uid = uid;
    this.fields = fields;
    this.directHandler = directHandler;
    this.maxLiveBuffer = maxLiveBuffer;
    this.requestOptions = new DeliveryOptions().setSendTimeout(timeoutMillis);
  }

  public static FeedbusClient create(Vertx vertx) {
    return create(vertx, 30_000);
  }

  public static FeedbusClient create(Vertx vertx, long timeoutMillis) {
    return new FeedbusClient(vertx, timeoutMillis, DEFAULT_UID, new JsonObject(), null, DEFAULT_MAX_LIVE_BUFFER);
  }

  /** The same client, whose subscriptions register as connections of {@code uid} (default {@value #DEFAULT_UID}). */
  public FeedbusClient withUid(String uid) {
    return new FeedbusClient(vertx, timeoutMillis, uid, fields, directHandler, maxLiveBuffer);
  }

  /**
   * The same client, whose subscriptions register with these connection fields (e.g.
   * {@code {"channel": "#general"}}), which {@code feedbus.connections.send} selects by.
   */
  public FeedbusClient withFields(JsonObject fields) {
    return new FeedbusClient(vertx, timeoutMillis, uid, fields == null ? new JsonObject() : fields.copy(), directHandler, maxLiveBuffer);
  }

  /**
   * The same client, whose subscriptions hand {@code handler} the payloads sent to their connections
   * ({@code POST /connections/send}, {@code feedbus.connections.send}).
   */
  public FeedbusClient withDirectHandler(Handler<Object> handler) {
    return new FeedbusClient(vertx, timeoutMillis, uid, fields, handler, maxLiveBuffer);
  }

  /**
   * The same client, whose subscriptions keep at most {@code events} live events while they replay
   * history (default {@value #DEFAULT_MAX_LIVE_BUFFER}); beyond that they drop them and read on from
   * history after the replay, so nothing is missed either way.
   */
  public FeedbusClient withMaxLiveBuffer(int events) {
    if (events < 1) {
      throw new IllegalArgumentException("maxLiveBuffer must be at least 1, not " + events);
    }
    return new FeedbusClient(vertx, timeoutMillis, uid, fields, directHandler, events);
  }

  int maxLiveBuffer() {
    return maxLiveBuffer;
  }

  JsonObject fields() {
    return fields;
  }

  Handler<Object> directHandler() {
    return directHandler;
  }

  /** Publishes a durable event; completes with its ack once it is stored. */
  public Future<Ack> publish(String topic, Object payload) {
    return publish(topic, payload, Map.of(), true);
  }

  /** Publishes with headers; {@code persist == false} makes the event transient (delivered, then removed). */
  public Future<Ack> publish(String topic, Object payload, Map<String, String> headers, boolean persist) {
    return publish(new PublishRequest(topic, payload, headers, persist).toJson());
  }

  /** Publishes a raw request body ({@code {topic, payload, headers?, persist?}}). */
  public Future<Ack> publish(JsonObject request) {
    JsonObject copy;
    try {
      // The caller keeps its object: the publish service gets a copy it may hold on to.
      copy = request.copy();
    } catch (IllegalStateException e) {
      // A value JSON cannot hold (Vert.x's copy names its class).
      return Future.failedFuture(FeedbusException.badRequest("bad_request", "the request must hold JSON values only: " + e.getMessage()));
    }
    return PublishRequest.send(vertx, copy, timeoutMillis).recover(e -> Future.failedFuture(FeedbusException.from(e)));
  }

  /** One page of a topic's events strictly after {@code after} (null: from the start). */
  public Future<List<Event>> history(String topic, String after, int limit) {
    return historyPage(topic, after, limit).map(HistoryPage::events);
  }

  /** A page of history and the cursor to read the next one after ({@code next}), null when this page ends it. */
  public record HistoryPage(List<Event> events, String next) {
  }

  /** Like {@link #history}, with the {@code next} cursor the broker gives when more may follow. */
  public Future<HistoryPage> historyPage(String topic, String after, int limit) {
    return historyPageAt(null, topic, after, limit);
  }

  /** The newest {@code limit} events of a topic strictly before {@code before} (null: the newest of all), oldest first. */
  public Future<List<Event>> historyBefore(String topic, String before, int limit) {
    return historyPageBefore(topic, before, limit).map(OlderPage::events);
  }

  /**
   * A page of history read back from a cursor, oldest first, and the cursor to read the page before
   * it ({@code older}, the {@code before} of that page), null when no older events exist.
   */
  public record OlderPage(List<Event> events, String older) {
  }

  /**
   * Like {@link #historyBefore}, with the {@code older} cursor the broker gives when older events
   * exist. {@code before} is a cursor or {@code "end"}; null means the end too: the topic's newest events.
   */
  public Future<OlderPage> historyPageBefore(String topic, String before, int limit) {
    JsonObject request = new JsonObject().put("topic", topic).put("limit", limit)
        .put("before", before == null ? HistoryRequest.END : before);
    return read(null, request).map(page -> new OlderPage(page.events(), page.lead()));
  }

  /** A history page after {@code after} read on node {@code serverId} (null: this Vert.x's node, else any). */
  Future<HistoryPage> historyPageAt(String serverId, String topic, String after, int limit) {
    JsonObject request = new JsonObject().put("topic", topic).put("limit", limit);
    if (after != null) {
      request.put("after", after);
    }
    return read(serverId, request).map(page -> new HistoryPage(page.events(), page.lead()));
  }

  /**
   * Asks {@code feedbus.history} on node {@code serverId}. This Vert.x's own node answers on its local
   * address, with the page's events themselves: nothing is copied, encoded or parsed on the way.
   */
  private Future<io.feedbus.feed.HistoryPage> read(String serverId, JsonObject request) {
    String localNode = Nodes.local(vertx);
    String address = localNode != null && (serverId == null || serverId.equals(localNode)) ? HistoryRequest.LOCAL_ADDRESS
        : serverId == null ? HistoryRequest.ADDRESS : Nodes.at(HistoryRequest.ADDRESS, serverId);
    return vertx.eventBus().<Object>request(address, request, requestOptions)
        .map(m -> m.body() instanceof io.feedbus.feed.HistoryPage local ? local
            : io.feedbus.feed.HistoryPage.fromJson((JsonObject) m.body()))
        .recover(e -> Future.failedFuture(FeedbusException.from(e)));
  }

  /**
   * Delivers every event of {@code topic} after {@code fromCursor} (null: only new events) to
   * {@code handler}, in order: first the stored ones, then live ones, with no gap and no duplicate
   * at the switch. When the node serving it shuts down, drains or dies, the subscription resumes
   * after its last event on another node (or the same one once it is back), by itself. On a node's
   * own Vert.x, its subscriptions share each event instance (nothing is copied per subscriber):
   * read the payload, do not change it.
   */
  public Future<Subscription> subscribe(String topic, String fromCursor, Handler<Event> handler) {
    return subscribe(topic, fromCursor, uid, handler);
  }

  /**
   * As {@link #subscribe(String, String, Handler)}, registered in the connection registry as a
   * connection of {@code uid} (transport {@code eventbus}): it fails when the registry refuses
   * (403 {@code banned}, 503 {@code node_full} or {@code draining}), leaves the registry on
   * {@link Subscription#cancel()}, and ends by itself when the registry closes it
   * ({@link Subscription#closed()} tells why).
   */
  public Future<Subscription> subscribe(String topic, String fromCursor, String uid, Handler<Event> handler) {
    return start(topic, fromCursor, uid, "eventbus", true, handler);
  }

  /**
   * A subscription for a transport whose own clients reconnect (the SSE route, transport
   * {@code sse}): it never resumes by itself; it ends when its connection is closed, and
   * {@link Subscription#closed()} says why, for the transport to tell its client.
   */
  public Future<Subscription> subscribeForTransport(String topic, String fromCursor, String uid, String transport,
                                                    Handler<Event> handler) {
    return start(topic, fromCursor, uid, transport, false, handler);
  }

  private Future<Subscription> start(String topic, String fromCursor, String uid, String transport, boolean resume,
                                     Handler<Event> handler) {
    try {
      return new ReplayingSubscription(vertx, this, topic, fromCursor, uid, transport, resume, handler).start();
    } catch (FeedbusException e) {
      return Future.failedFuture(e);
    }
  }
}
