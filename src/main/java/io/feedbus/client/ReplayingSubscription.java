package io.feedbus.client;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.event.Topic;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.feedbus.event.FeedbusException;
import io.feedbus.presence.ConnectionHandle;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Replay-then-live without gap or duplicate: listen live first (buffering), then page through
 * history until it is exhausted, then hand over the buffered live events that history did not
 * already contain, then pass live events straight through.
 *
 * <p>History and the buffer overlap for events committed while both were open; those are dropped by
 * id. Only ids recent enough to be in the buffer are remembered (see {@link #OVERLAP_WINDOW_MILLIS}),
 * so a replay of millions of events keeps a small set.
 */
final class ReplayingSubscription implements Subscription {

  /** Events older than this before the live listener opened cannot reach it (feed lag plus clock skew). */
  static final long OVERLAP_WINDOW_MILLIS = 60_000;

  private final Vertx vertx;
  private final FeedbusClient client;
  private final String topic;
  private final Cursor from;
  private final Handler<Event> handler;
  private final ArrayDeque<Event> buffered = new ArrayDeque<>();
  private final Set<String> replayedIds = new HashSet<>();
  private Context context;
  private MessageConsumer<JsonObject> consumer;
  private long listeningSince;
  private volatile String lastCursor;
  private volatile boolean live;
  private boolean cancelled;
  private final String uid;
  private final String connectionId = java.util.UUID.randomUUID().toString();
  private final Promise<String> closed = Promise.promise();
  private ConnectionHandle connection;

  ReplayingSubscription(Vertx vertx, FeedbusClient client, String topic, String fromCursor, String uid, Handler<Event> handler) {
    this.uid = uid == null ? FeedbusClient.DEFAULT_UID : uid;
    this.vertx = vertx;
    this.client = client;
    this.topic = Topic.validate(topic);
    this.from = Cursor.parseNullable(fromCursor);
    this.handler = handler;
    this.lastCursor = fromCursor;
  }

  Future<Subscription> start() {
    context = vertx.getOrCreateContext();
    Promise<Subscription> started = Promise.promise();
    context.runOnContext(v -> register().onFailure(started::fail).onSuccess(registered -> {
      listeningSince = System.currentTimeMillis();
      consumer = vertx.eventBus().consumer(Topic.address(topic), m -> onLive(Event.fromJson(m.body())));
      consumer.completion()
          .compose(x -> from == null ? Future.succeededFuture() : replay(from))
          .onSuccess(x -> {
            goLive();
            started.complete(this);
          })
          .onFailure(e -> consumer.unregister()
              .eventually(() -> connection == null ? Future.succeededFuture() : connection.close())
              .onComplete(x -> started.fail(e)));
    }));
    return started.future();
  }

  /** Registers this subscription as a connection; without any registry on the bus (no broker node), it goes unregistered. */
  private Future<Void> register() {
    JsonObject registration = new JsonObject().put("connectionId", connectionId).put("uid", uid).put("transport", "eventbus")
        .put("fields", new JsonObject().put("topic", topic));
    return ConnectionHandle.register(vertx, registration, order -> closedByRegistry(order.getString("reason", "closed")))
        .<Void>map(handle -> {
          connection = handle;
          return null;
        })
        .recover(e -> e instanceof FeedbusException && "unavailable".equals(((FeedbusException) e).code())
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  private void closedByRegistry(String reason) {
    cancelled = true;
    if (consumer != null) {
      consumer.unregister();
    }
    closed.tryComplete(reason);
  }

  private Future<Void> replay(Cursor after) {
    return client.history(topic, after.value(), FeedbusClient.REPLAY_PAGE).compose(page -> {
      deliverReplayed(page);
      if (page.size() < FeedbusClient.REPLAY_PAGE || cancelled) {
        return Future.succeededFuture();
      }
      return replay(page.get(page.size() - 1).cursor());
    });
  }

  private void deliverReplayed(List<Event> page) {
    for (Event event : page) {
      if (event.ts() >= listeningSince - OVERLAP_WINDOW_MILLIS) {
        replayedIds.add(event.id());
      }
      deliver(event);
    }
  }

  private void goLive() {
    while (!buffered.isEmpty()) {
      Event event = buffered.poll();
      if (!replayedIds.contains(event.id()) && event.cursor().isAfter(from)) {
        deliver(event);
      }
    }
    live = true;
    // A store may show an event to a history read before its change reaches the bus (RethinkDB does):
    // such an event can still arrive live after the switch, so the replayed ids stay a while longer.
    if (!replayedIds.isEmpty()) {
      vertx.setTimer(OVERLAP_WINDOW_MILLIS, id -> context.runOnContext(x -> replayedIds.clear()));
    }
  }

  private void onLive(Event event) {
    if (live) {
      if (!replayedIds.isEmpty() && replayedIds.remove(event.id())) {
        return;
      }
      deliver(event);
    } else {
      buffered.add(event);
    }
  }

  private void deliver(Event event) {
    if (cancelled) {
      return;
    }
    lastCursor = event.cursor().value();
    handler.handle(event);
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public String lastCursor() {
    return lastCursor;
  }

  @Override
  public boolean live() {
    return live;
  }

  @Override
  public Future<Void> cancel() {
    cancelled = true;
    closed.tryComplete("cancelled");
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.eventually(() -> connection == null ? Future.succeededFuture() : connection.close());
  }

  @Override
  public String connectionId() {
    return connectionId;
  }

  @Override
  public Future<String> closed() {
    return closed.future();
  }
}
