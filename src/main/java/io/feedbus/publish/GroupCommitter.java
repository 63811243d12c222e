package io.feedbus.publish;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.EventLog;
import io.feedbus.store.PartialAppendException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups concurrent publishes into store writes. While fewer writes than the engine takes at once
 * ({@link EventLog#maxAppendsInFlight()}) are in flight a request is written at once (no added
 * latency at low load); beyond that, new requests queue and go together in the next write. Cursors
 * are taken when a write is formed, from the engine's clock, and settled when it is over, so the
 * engine's commit frontier never passes a write still in flight.
 *
 * <p>A publish whose cursor turns out to be taken (the engine refuses to overwrite; possible only
 * when another writer shares this node's id) is written again with a new cursor, up to
 * {@value #CURSOR_ATTEMPTS} times.
 *
 * <p>Commit delay: when a write of K events completes, its K publishers usually publish again
 * within a fraction of a millisecond. Flushing at once would send only those that queued during the
 * write, and the two groups would alternate from then on, each write carrying half the publishers.
 * So the next write waits until the queue has grown by K again, at most {@code maxCommitDelayMillis};
 * a lone publisher (K = 1) never waits.
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

  static final int CURSOR_ATTEMPTS = 3;

  private final EventLog log;
  private final CursorClock clock;
  private final String origin;
  private final int maxBatchSize;
  private final int maxPending;
  private final int maxInFlight;
  private final Observer observer;
  private final Vertx vertx;
  private final long maxCommitDelayMillis;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  /** While waiting after a write: flush once this many publishes queue (0: not waiting). */
  private int waitingFor;
  private long delayTimer = -1;
  private boolean draining;
  private Promise<Void> drained;

  public GroupCommitter(EventLog log, String origin, int maxBatchSize, int maxPending, Observer observer) {
    this(log, origin, maxBatchSize, maxPending, observer, null, 0);
  }

  /** With a commit delay of up to {@code maxCommitDelayMillis} (timers from {@code vertx}). */
  public GroupCommitter(EventLog log, String origin, int maxBatchSize, int maxPending, Observer observer,
                        Vertx vertx, long maxCommitDelayMillis) {
    this.vertx = vertx;
    this.maxCommitDelayMillis = vertx == null ? 0 : maxCommitDelayMillis;
    this.log = log;
    this.clock = log.clock();
    this.maxInFlight = Math.max(1, log.maxAppendsInFlight());
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
    queue.add(new Pending(request, promise, 0));
    if (waitingFor > 0) {
      if (queue.size() >= waitingFor) {
        flushAll();
      }
    } else if (inFlight < maxInFlight) {
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
    if (waitingFor > 0) {
      flushAll();
    }
    if (drained == null) {
      drained = Promise.promise();
    }
    if (inFlight == 0 && queue.isEmpty()) {
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
      // Cursors are taken here, in write order; the clock holds them until the write is settled.
      Event event = new Event(clock.next(), r.topic(), r.payload(), r.payloadJson(), r.headers(), origin, r.persist());
      batch.add(p);
      events.add(event);
    }
    inFlight++;
    long started = System.nanoTime();
    Future<Void> write;
    try {
      write = log.append(events);
    } catch (RuntimeException e) {
      write = Future.failedFuture(e);
    }
    write.onComplete(ar -> {
      inFlight--;
      clock.settle(events);
      if (ar.succeeded()) {
        observer.committed(events, System.nanoTime() - started);
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).promise.complete(events.get(i));
        }
      } else {
        FeedbusException error = ar.cause() instanceof FeedbusException
            ? (FeedbusException) ar.cause()
            : FeedbusException.storeUnavailable("the store did not accept the write: " + ar.cause().getMessage(), ar.cause());
        PartialAppendException partial = error instanceof PartialAppendException ? (PartialAppendException) error : null;
        boolean taken = FeedbusException.CURSOR_TAKEN.equals(error.code());
        for (int i = batch.size() - 1; i >= 0; i--) {
          Pending p = batch.get(i);
          if (partial != null && partial.stored(events.get(i))) {
            p.promise.complete(events.get(i));
          } else if (taken && p.attempts + 1 < CURSOR_ATTEMPTS) {
            // Written again first, with a new cursor (the clock is past every cursor of this batch).
            queue.addFirst(new Pending(p.request, p.promise, p.attempts + 1));
          } else {
            p.promise.fail(error);
          }
        }
      }
      int returning = batch.size();
      if (maxCommitDelayMillis > 0 && returning > 1 && !draining && waitingFor == 0) {
        waitFor(Math.min(maxBatchSize, queue.size() + returning));
      } else if (waitingFor == 0) {
        flushAll();
      }
      if (draining && inFlight == 0 && queue.isEmpty()) {
        drained.tryComplete();
      }
    });
  }

  /** Waits for the queue to reach {@code size}, at most the commit delay, then flushes. */
  private void waitFor(int size) {
    if (queue.size() >= size) {
      flushAll();
      return;
    }
    waitingFor = size;
    delayTimer = vertx.setTimer(maxCommitDelayMillis, t -> {
      delayTimer = -1;
      flushAll();
    });
  }

  private void flushAll() {
    waitingFor = 0;
    if (delayTimer >= 0) {
      vertx.cancelTimer(delayTimer);
      delayTimer = -1;
    }
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      flush();
    }
  }

  private record Pending(PublishRequest request, Promise<Event> promise, int attempts) {
  }
}
