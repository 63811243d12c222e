package io.feedbus.client;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Nodes;
import io.feedbus.event.Topic;
import io.feedbus.feed.RemoteSubscribers;
import io.feedbus.presence.ConnectionHandle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.UUID;

/**
 * Replay-then-live without gap or duplicate, across node loss: listen live first (buffering), then
 * page through history (following {@code next}) until it ends, then hand over the buffered live
 * events, then pass live events straight through.
 *
 * <p>Every event passes one rule: it is delivered only when its cursor is after the last one
 * delivered. The broker delivers a topic live in cursor order and history never shows an event
 * before every earlier one is readable, so this drops exactly what history and the live buffer
 * both contained, with no window of time or set of ids to keep.
 *
 * <p>The live buffer holds at most {@code maxLiveBuffer} events. When more arrive during the replay,
 * it is dropped and live events are not kept until the replay ends; then history is read again after
 * the last delivered event, with live events kept again from the moment that read starts, and so on
 * until a read ends without overflow. Every dropped event was delivered live, hence stored, before
 * that read started, so the read brings it; what arrives from then on is kept. (A subscription
 * without a cursor has nothing to read after: it keeps its first live event, delivers it first,
 * and reads on after it.)
 *
 * <p>Each <em>attempt</em> is served by one broker node: on a broker node's own Vert.x, that node
 * (live events on the local topic address); on a member without a broker, whichever node took the
 * attach request (live events forwarded to an address of this subscription), which then also
 * answers its history reads, so history and live come from the same node. When the registry closes
 * the connection for a reason the subscriber can recover from ({@link #RESUMABLE}: the node shuts
 * down, drains or is gone, the record expired or its lifetime ended) and the subscription resumes,
 * a new attempt starts after the last delivered cursor, on any node, with backoff while none takes
 * it. {@link #closed()} completes when the subscription ends for good.
 */
final class ReplayingSubscription implements Subscription {

  private static final long MAX_BACKOFF_MILLIS = 2_000;

  private final Vertx vertx;
  private final FeedbusClient client;
  private final String topic;
  private final String uid;
  private final String transport;
  private final boolean resume;
  private final Handler<Event> handler;
  private final int maxLiveBuffer;
  private final Promise<String> closed = Promise.promise();
  private final Promise<Subscription> started = Promise.promise();
  private Context context;
  private Cursor last;
  private volatile String lastCursor;
  private volatile Attempt current;
  private volatile boolean cancelled;
  private int failures;
  // Written on the subscription's context only; volatile so that tests may watch them.
  private volatile int mostLiveBuffered;
  private volatile int liveBufferOverflows;

  ReplayingSubscription(Vertx vertx, FeedbusClient client, String topic, String fromCursor, String uid, String transport,
                        boolean resume, Handler<Event> handler) {
    this.vertx = vertx;
    this.client = client;
    this.topic = Topic.validate(topic);
    this.uid = uid == null ? FeedbusClient.DEFAULT_UID : uid;
    this.transport = transport;
    this.resume = resume;
    this.handler = handler;
    this.maxLiveBuffer = client.maxLiveBuffer();
    this.last = Cursor.parseNullable(fromCursor);
    this.lastCursor = fromCursor;
  }

  Future<Subscription> start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> attempt());
    return started.future();
  }

  private void attempt() {
    if (cancelled) {
      return;
    }
    Attempt attempt = new Attempt(last);
    current = attempt;
    attempt.open().onComplete(ar -> {
      if (ar.succeeded()) {
        failures = 0;
        started.tryComplete(this);
        return;
      }
      attempt.stop();
      FeedbusException error = FeedbusException.from(ar.cause());
      if (!started.future().isComplete()) {
        started.fail(error); // the first attempt: subscribe() says why it could not
      } else if (error.status() >= 500 && resume) {
        resumeLater(); // no node took it yet
      } else {
        end(error.code());
      }
    });
  }

  /** The registry closed the attempt's connection. */
  private void closedByRegistry(Attempt attempt, String reason) {
    if (attempt != current || cancelled) {
      return;
    }
    attempt.stop();
    if (resume && RESUMABLE.contains(reason)) {
      resumeLater();
    } else {
      end(reason);
    }
  }

  private void resumeLater() {
    long delay = Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(failures++, 6));
    vertx.setTimer(delay, t -> context.runOnContext(v -> attempt()));
  }

  private void end(String reason) {
    cancelled = true;
    closed.tryComplete(reason);
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
    Attempt attempt = current;
    return attempt != null && attempt.live;
  }

  @Override
  public Future<Void> cancel() {
    cancelled = true;
    closed.tryComplete("cancelled");
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      Attempt attempt = current;
      (attempt == null ? Future.<Void>succeededFuture() : attempt.stop()).onComplete(done);
    });
    return done.future();
  }

  @Override
  public String connectionId() {
    Attempt attempt = current;
    return attempt == null ? null : attempt.connectionId;
  }

  @Override
  public Future<String> closed() {
    return closed.future();
  }

  /** The most live events the buffer ever held at once (never more than {@code maxLiveBuffer}). */
  int mostLiveBuffered() {
    return mostLiveBuffered;
  }

  /** How many times live events overflowed the buffer during a replay (each time, history was read on). */
  int liveBufferOverflows() {
    return liveBufferOverflows;
  }

  /** One try at serving the subscription from one node. Confined to the subscription's context. */
  private final class Attempt {
    final String connectionId = UUID.randomUUID().toString();
    private final Cursor from;
    private final ArrayDeque<Event> buffered = new ArrayDeque<>();
    /** From an overflow of the buffer until the next read of history starts: live events are not kept. */
    private boolean overflowed;
    private MessageConsumer<Object> consumer;
    private ConnectionHandle connection;
    private String serverId;
    volatile boolean live;
    private boolean over;

    Attempt(Cursor from) {
      this.from = from;
    }

    Future<Void> open() {
      String localNode = Nodes.local(vertx);
      serverId = localNode;
      // Listen first, so nothing delivered while the connection registers and history is read is lost.
      // On a node with a feed, its events by reference (shared with every local subscriber, encoded once).
      consumer = localNode != null
          ? vertx.eventBus().<Object>localConsumer(Topic.localAddress(topic), m -> onLive((Event) m.body()))
          : vertx.eventBus().<Object>consumer(RemoteSubscribers.PREFIX + connectionId, m -> onLive(Event.fromJson((JsonObject) m.body())));
      return consumer.completion()
          .compose(v -> register(localNode))
          .compose(v -> catchUp(from))
          .map(v -> {
            goLive();
            return null;
          });
    }

    private Future<Void> register(String localNode) {
      JsonObject registration = new JsonObject().put("connectionId", connectionId).put("uid", uid).put("transport", transport)
          .put("fields", client.fields().copy().put("topic", topic)).put("topics", new JsonArray().add(topic));
      // The handle's consumers run on this subscription's context already.
      Handler<Object> onDirect = client.directHandler();
      Handler<JsonObject> onClose = order -> context.runOnContext(v -> closedByRegistry(this, order.getString("reason", "closed")));
      if (localNode != null) {
        return ConnectionHandle.register(vertx, registration, onClose, onDirect).<Void>map(handle -> {
          connection = handle;
          return null;
        }).recover(e -> {
          FeedbusException error = FeedbusException.from(e);
          // A node without a registry (only the feed deployed): the subscription goes unregistered.
          return "unavailable".equals(error.code()) ? Future.succeededFuture() : Future.failedFuture(error);
        });
      }
      registration.put("topic", topic).put("address", RemoteSubscribers.PREFIX + connectionId);
      return ConnectionHandle.attach(vertx, RemoteSubscribers.ADDRESS, registration, onClose, onDirect).map(handle -> {
        connection = handle;
        serverId = handle.serverId();
        return null;
      });
    }

    /**
     * Reads history after {@code after} (null: nothing to read); when live events overflowed the
     * buffer meanwhile, reads again after the last delivered event, keeping live events from then on.
     */
    private Future<Void> catchUp(Cursor after) {
      Future<Void> read = after == null ? Future.succeededFuture() : replay(after);
      return read.compose(v -> {
        if (!overflowed || over || cancelled) {
          return Future.succeededFuture();
        }
        overflowed = false;
        // Only a subscription without a cursor kept an event (its first): it goes first, and the read follows it.
        while (!buffered.isEmpty()) {
          deliver(buffered.poll());
        }
        return catchUp(last);
      });
    }

    /** Pages through history after {@code after} on the serving node until it gives no {@code next}. */
    private Future<Void> replay(Cursor after) {
      return client.historyPageAt(serverId, topic, after.value(), FeedbusClient.REPLAY_PAGE).compose(page -> {
        if (over) {
          return Future.succeededFuture();
        }
        page.events().forEach(ReplayingSubscription.this::deliver);
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
      if (over) {
        return;
      }
      if (live) {
        deliver(event);
      } else if (overflowed) {
        return; // the next read of history brings it
      } else if (buffered.size() < maxLiveBuffer) {
        buffered.add(event);
        mostLiveBuffered = Math.max(mostLiveBuffered, buffered.size());
      } else {
        overflowed = true;
        liveBufferOverflows++;
        Event first = last == null ? buffered.peekFirst() : null;
        buffered.clear();
        if (first != null) {
          buffered.add(first);
        }
      }
    }

    /** Stops listening and leaves the registry. */
    Future<Void> stop() {
      over = true;
      live = false;
      buffered.clear();
      Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
      return unregistered.eventually(() -> connection == null ? Future.succeededFuture() : connection.close());
    }
  }
}
