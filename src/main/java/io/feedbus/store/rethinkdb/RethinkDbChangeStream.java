package io.feedbus.store.rethinkdb;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.StoreStatus;
import io.feedbus.store.rethinkdb.wire.ReqlStream;
import io.feedbus.store.rethinkdb.wire.ReqlTerm;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One change stream: delivers the events table in cursor order, up to the stable bound of
 * {@link NodeFrontiers}, each event once.
 *
 * <p>Whenever the bound moves (a local write settled, another writer announced its frontier), the
 * stream delivers {@code [next, bound)}: from this node's memory ({@link LocalCommits}) when no other
 * writer can have committed in that range, else by reading the range on the {@code cursor} index,
 * moving {@code next} past each event. Nothing can commit below the bound any more, so a range read
 * once is complete: there is no window to look back over and nothing to dedupe. After a read fails
 * (the server went away) the stream retries from where it stopped, with backoff; the engine's
 * status notices come from the feed of frontiers.
 */
final class RethinkDbChangeStream implements ChangeStream, NodeFrontiers.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(RethinkDbChangeStream.class);
  /** Events per range query; a longer range is read in several. */
  static final int PAGE = 5_000;

  private final RethinkDbEventLog log;
  private final NodeFrontiers frontiers;
  private final Context context;
  private final ChangeListener listener;
  private final Backoff backoff;
  private final Promise<ChangeStream> opened = Promise.promise();
  private final Promise<Void> stopped = Promise.promise();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  // Confined to the context.
  private volatile Cursor next;
  private boolean nextIncluded;
  private volatile Cursor position;
  private ReqlStream reading;
  /** A read is under way (from asking for the connection until its stream is done): one at a time. */
  private boolean busy;
  private boolean closed;
  private int failures;
  private long delivered;

  RethinkDbChangeStream(RethinkDbEventLog log, NodeFrontiers frontiers, Context context, ChangeListener listener) {
    this.log = log;
    this.frontiers = frontiers;
    this.context = context;
    this.listener = listener;
    RethinkDbOptions options = log.options();
    this.backoff = new Backoff(options.reconnectInitialDelayMillis, options.reconnectMaxDelayMillis);
  }

  /** Starts after {@code from} (null: at the stable bound, so only what commits from now on). */
  Future<ChangeStream> start(Cursor from) {
    context.runOnContext(v -> {
      if (from == null) {
        next = frontiers.stableBound();
        nextIncluded = true;
      } else {
        next = from;
        nextIncluded = false;
      }
      position = from == null ? next : from;
      frontiers.listen(this);
      if (frontiers.healthy()) {
        deliverStatus(StoreStatus.State.CONNECTED, null);
      }
      opened.tryComplete(this);
      step();
    });
    return opened.future();
  }

  @Override
  public Cursor position() {
    return position;
  }

  /** Where the next read starts: every event below it was delivered. */
  Cursor readBound() {
    return next;
  }

  long deliveredCount() {
    return delivered;
  }

  @Override
  public Future<Void> close() {
    context.runOnContext(v -> {
      if (closed) {
        return;
      }
      closed = true;
      frontiers.unlisten(this);
      log.forget(this);
      ReqlStream current = reading;
      reading = null;
      (current == null ? Future.<Void>succeededFuture() : current.close()).onComplete(x -> stopped.tryComplete());
    });
    return stopped.future();
  }

  @Override
  public void advanced() {
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        scheduled.set(false);
        step();
      });
    }
  }

  @Override
  public void status(StoreStatus.State state, String detail) {
    context.runOnContext(v -> {
      if (!closed) {
        if (state != StoreStatus.State.DISCONNECTED) {
          step();
        }
        deliverStatus(state, detail);
      }
    });
  }

  private void step() {
    if (closed || busy) {
      return;
    }
    NodeFrontiers.View others = frontiers.view();
    Cursor bound = frontiers.stableBound(others);
    if (next.compareTo(bound) >= 0) {
      return;
    }
    Cursor foreign = others.foreignCommitted();
    if (foreign == null || foreign.compareTo(next) < (nextIncluded ? 0 : 1)) {
      List<Event> mine = log.local().range(next, nextIncluded, bound);
      if (mine != null) {
        for (Event event : mine) {
          deliverOne(event);
        }
        next = bound;
        nextIncluded = true;
        log.readersPassed();
        return;
      }
    }
    ReqlTerm range = log.timelineRange(next, nextIncluded ? "closed" : "open", bound)
        .limit(PAGE)
        .map(RethinkDbDocuments::readable);
    int[] count = {0};
    busy = true;
    log.queries().connection().onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        busy = false;
        retryLater(ar.cause());
        return;
      }
      ReqlStream stream = ar.result().stream(range);
      reading = stream;
      stream.handler(batch -> deliver(batch, count));
      stream.done().onComplete(done -> {
        if (reading != stream) {
          return;
        }
        reading = null;
        busy = false;
        if (done.failed()) {
          retryLater(done.cause());
          return;
        }
        failures = 0;
        if (count[0] < PAGE) {
          // The whole range up to the bound is read: start the next read at the bound itself.
          next = bound;
          nextIncluded = true;
        }
        log.readersPassed();
        step();
      });
      stream.start();
    });
  }

  private void deliver(JsonArray batch, int[] count) {
    for (Object element : batch) {
      count[0]++;
      Event event;
      try {
        event = RethinkDbDocuments.toEvent(element);
      } catch (RuntimeException e) {
        // A foreign document in the table must not wedge the stream on it.
        LOG.warn("skipping a document that is not a feedbus event: {} ({})", element, e.getMessage());
        continue;
      }
      deliverOne(event);
    }
  }

  private void deliverOne(Event event) {
    next = event.cursor();
    nextIncluded = false;
    position = event.cursor();
    delivered++;
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      LOG.error("change listener failed on {}", event, e);
    }
  }

  private void retryLater(Throwable cause) {
    long delay = backoff.delay(failures++);
    LOG.debug("change stream read failed ({}); retrying in {} ms", cause.getMessage(), delay);
    context.owner().setTimer(delay, t -> step());
  }

  private void deliverStatus(StoreStatus.State state, String detail) {
    try {
      listener.onStatus(StoreStatus.of(state, RethinkDbEventLog.ENGINE, detail));
    } catch (RuntimeException e) {
      LOG.error("change listener failed on status {}", state, e);
    }
  }
}
