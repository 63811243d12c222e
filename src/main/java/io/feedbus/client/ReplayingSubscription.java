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

/**
 * Replay-then-live without gap or duplicate: listen live first (buffering), then page through
 * history (following {@code next}) until it ends, then hand over the buffered live events, then
 * pass live events straight through.
 *
 * <p>Every event passes one rule: it is delivered only when its cursor is after the last one
 * delivered. The broker delivers a topic live in cursor order and history never shows an event
 * before every earlier one is readable, so this drops exactly what history and the live buffer
 * both contained, with no window of time or set of ids to keep.
 */
final class ReplayingSubscription implements Subscription {

  private final Vertx vertx;
  private final FeedbusClient client;
  private final String topic;
  private final Cursor from;
  private final Handler<Event> handler;
  private final ArrayDeque<Event> buffered = new ArrayDeque<>();
  private Context context;
  private MessageConsumer<JsonObject> consumer;
  private Cursor last;
  private volatile String lastCursor;
  private volatile boolean live;
  private boolean cancelled;
  private final String uid;
  private final String transport;
  private final String connectionId = java.util.UUID.randomUUID().toString();
  private final Promise<String> closed = Promise.promise();
  private ConnectionHandle connection;

  ReplayingSubscription(Vertx vertx, FeedbusClient client, String topic, String fromCursor, String uid, String transport,
                        Handler<Event> handler) {
    this.uid = uid == null ? FeedbusClient.DEFAULT_UID : uid;
    this.transport = transport;
    this.vertx = vertx;
    this.client = client;
    this.topic = Topic.validate(topic);
    this.from = Cursor.parseNullable(fromCursor);
    this.handler = handler;
    this.lastCursor = fromCursor;
    this.last = from;
  }

  Future<Subscription> start() {
    context = vertx.getOrCreateContext();
    Promise<Subscription> started = Promise.promise();
    context.runOnContext(v -> register().onFailure(started::fail).onSuccess(registered -> {
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
    JsonObject registration = new JsonObject().put("connectionId", connectionId).put("uid", uid).put("transport", transport)
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

  /** Pages through history after {@code after} until the broker gives no {@code next}. */
  private Future<Void> replay(Cursor after) {
    return client.historyPage(topic, after.value(), FeedbusClient.REPLAY_PAGE).compose(page -> {
      page.events().forEach(this::deliver);
      if (page.next() == null || page.events().isEmpty() || cancelled) {
        return Future.succeededFuture();
      }
      return replay(Cursor.parse(page.next()));
    });
  }

  private void goLive() {
    while (!buffered.isEmpty()) {
      deliver(buffered.poll());
    }
    live = true;
  }

  private void onLive(Event event) {
    if (live) {
      deliver(event);
    } else {
      buffered.add(event);
    }
  }

  /** Delivers an event after the last one delivered; anything else was delivered already. */
  private void deliver(Event event) {
    if (cancelled || !event.cursor().isAfter(last)) {
      return;
    }
    last = event.cursor();
    lastCursor = last.value();
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
