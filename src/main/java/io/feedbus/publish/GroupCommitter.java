package io.feedbus.publish;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups concurrent publishes into one store write. When nothing is in flight a request is written
 * at once (no added latency at low load); while a write is in flight, new requests queue and go
 * together in the next write. One write at a time also keeps this node's commit order equal to its
 * cursor order, which the change stream's resume relies on.
 *
 * <p>Not thread-safe: call it from one Vert.x context (the publish verticle's).
 */
public final class GroupCommitter {

  /** What the committer reports to whoever measures it. */
  public interface Observer {
    Observer NONE = (batch, nanos) -> { };

    void committed(List<Event> batch, long nanos);

    /** One publish was acknowledged {@code nanos} after it was accepted (queueing plus its write). */
    default void acknowledged(Event event, long nanos) {
    }
  }

  private final EventLog log;
  private final CursorClock clock;
  private final String origin;
  private final int maxBatchSize;
  private final int maxPending;
  private final Observer observer;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean inFlight;
  private boolean draining;
  private Promise<Void> drained;

  public GroupCommitter(EventLog log, CursorClock clock, String origin, int maxBatchSize, int maxPending, Observer observer) {
    this.log = log;
    this.clock = clock;
    this.origin = origin;
    this.maxBatchSize = maxBatchSize;
    this.maxPending = maxPending;
    this.observer = observer;
  }

  /** Queues a publish; the future completes with the stored event once it is durable. */
  public Future<Event> submit(PublishRequest request) {
    if (draining) {
      return Future.failedFuture(new FeedbusException(503, "shutting_down", "this node is shutting down; publish elsewhere or retry"));
    }
    if (queue.size() >= maxPending) {
      return Future.failedFuture(new FeedbusException(503, "overloaded", maxPending + " publishes are already waiting for the store; retry later"));
    }
    Promise<Event> promise = Promise.promise();
    queue.add(new Pending(request, promise));
    if (!inFlight) {
      flush();
    }
    return promise.future();
  }

  /** How many publishes wait for a write. */
  public int pending() {
    return queue.size();
  }

  /** Refuses new publishes and completes once every accepted one is written (or failed). */
  public Future<Void> drain() {
    draining = true;
    if (drained == null) {
      drained = Promise.promise();
    }
    if (!inFlight && queue.isEmpty()) {
      drained.tryComplete();
    }
    return drained.future();
  }

  private void flush() {
    int n = Math.min(queue.size(), maxBatchSize);
    List<Pending> batch = new ArrayList<>(n);
    List<Event> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Pending p = queue.poll();
      PublishRequest r = p.request;
      // Cursors are taken here, in write order, so commit order equals cursor order.
      Event event = new Event(clock.next(), r.topic(), r.payload(), r.headers(), origin, r.persist());
      batch.add(p);
      events.add(event);
    }
    inFlight = true;
    long started = System.nanoTime();
    Future<Void> write;
    try {
      write = log.append(events);
    } catch (RuntimeException e) {
      write = Future.failedFuture(e);
    }
    write.onComplete(ar -> {
      inFlight = false;
      if (ar.succeeded()) {
        observer.committed(events, System.nanoTime() - started);
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).promise.complete(events.get(i));
        }
      } else {
        FeedbusException error = ar.cause() instanceof FeedbusException
            ? (FeedbusException) ar.cause()
            : FeedbusException.storeUnavailable("the store did not accept the write: " + ar.cause().getMessage(), ar.cause());
        batch.forEach(p -> p.promise.fail(error));
      }
      if (!queue.isEmpty()) {
        flush();
      } else if (draining) {
        drained.tryComplete();
      }
    });
  }

  private record Pending(PublishRequest request, Promise<Event> promise) {
  }
}
