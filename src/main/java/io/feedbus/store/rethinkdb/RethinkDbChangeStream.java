package io.feedbus.store.rethinkdb;

import com.rethinkdb.gen.ast.Changes;
import com.rethinkdb.gen.exc.ReqlDriverError;
import com.rethinkdb.net.Connection;
import com.rethinkdb.net.Result;
import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.StoreStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One change stream: a {@code changes({include_types, include_states})} feed over the events table,
 * read on its own thread and its own connection, delivered on the caller's context.
 *
 * <p>Each connection is a <em>generation</em>. When its feed reports ready (subscribed), the stream
 * reads the gap from the table in cursor order on the same connection while holding the live
 * events, then releases them; {@link DeliveryTracker} drops anything delivered already. The first
 * generation reads after {@code from} (or after {@code latest()}, read once the feed is ready, when
 * {@code from} is null); later generations, and a feed that reports an overflow ("Changefeed cache
 * over array size limit"), re-read from the lookback window before the last delivered cursor.
 *
 * <p>When a generation ends (the connection broke, or a gap read failed), the stream reports
 * {@code DISCONNECTED}, retries with capped exponential backoff and jitter, and reports
 * {@code RECONNECTED} once a new feed is ready. {@code CONNECTED} is reported once, for the first.
 * If the very first attempt fails, {@link #start()} fails with {@code store_unavailable}.
 *
 * <p>Limits: an event of another node whose cursor is more than {@code resumeLookbackMillis}
 * older than the newest delivered one when it commits (clock skew plus commit delay beyond the
 * window) can be missed if it commits during an outage; transient events ({@code persist: false})
 * deleted before a resumed gap read are not replayed.
 *
 * <p>Backpressure: at most {@value #IN_FLIGHT} feed elements wait for the context; beyond that the
 * feed thread stops reading, the server's changefeed queue fills up and eventually overflows, which
 * the stream repairs by re-reading the table.
 */
final class RethinkDbChangeStream implements ChangeStream {

  private static final Logger LOG = LoggerFactory.getLogger(RethinkDbChangeStream.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  static final int PAGE = 1000;
  static final int MAX_BUFFERED = 100_000;
  static final int IN_FLIGHT = 4096;
  private static final long POLL_MILLIS = 500;

  private final RethinkDbEventLog log;
  private final RethinkDbOptions options;
  private final Context context;
  private final Cursor from;
  private final ChangeListener listener;
  private final Backoff backoff;
  private final Promise<ChangeStream> opened = Promise.promise();
  private final Promise<Void> stopped = Promise.promise();
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean closed;
  private volatile Connection feedConnection;

  // Confined to the context.
  private volatile DeliveryTracker tracker;
  private final List<Event> beforeStart = new ArrayList<>();
  private int generation;
  private Connection generationConnection;
  private boolean everReady;
  private boolean connected;
  private volatile long overflows;

  RethinkDbChangeStream(RethinkDbEventLog log, Context context, Cursor from, ChangeListener listener) {
    this.log = log;
    this.options = log.options();
    this.context = context;
    this.from = from;
    this.listener = listener;
    this.backoff = new Backoff(options.reconnectInitialDelayMillis, options.reconnectMaxDelayMillis);
    this.thread = new Thread(this::feedLoop, "feedbus-rethinkdb-feed-" + THREADS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  /** Starts the feed; completes once the first feed is subscribed and the start position is fixed. */
  Future<ChangeStream> start() {
    thread.start();
    return opened.future();
  }

  @Override
  public Cursor position() {
    DeliveryTracker t = tracker;
    return t != null ? t.position() : from != null ? from : Cursor.origin();
  }

  /** How many times the server reported that this feed fell behind (each repaired by a re-read). */
  long overflows() {
    return overflows;
  }

  @Override
  public Future<Void> close() {
    if (!closed) {
      closed = true;
      closing.countDown();
      thread.interrupt();
      Connection connection = feedConnection;
      if (connection != null) {
        // Unblocks a feed read at once; closing a socket may block briefly, so not on the caller's thread.
        context.owner().executeBlocking(() -> {
          RethinkDbConnector.closeQuietly(connection);
          return null;
        }, false);
      }
      log.forget(this);
      opened.tryFail(FeedbusException.storeUnavailable("the change stream was closed before it started", null));
    }
    return stopped.future();
  }

  // ------------------------------------------------------------------ the feed thread

  private void feedLoop() {
    int attempt = 0;
    int gen = 0;
    try {
      while (!closed) {
        int g = ++gen;
        Connection connection = null;
        Result<Object> feed = null;
        Throwable failure = null;
        boolean ready = false;
        try {
          CompletableFuture<Connection> connecting = log.connector().connect();
          try {
            connection = connecting.get(options.connectTimeoutMillis + 1000, TimeUnit.MILLISECONDS);
          } catch (InterruptedException | TimeoutException abandoned) {
            // Do not leak a connection that completes after we stopped waiting for it.
            connecting.thenAccept(RethinkDbConnector::closeQuietly);
            throw abandoned;
          }
          feedConnection = connection;
          if (closed) {
            break;
          }
          Changes changes = log.events().changes().optArg("include_types", true).optArg("include_states", true);
          if (options.changefeedQueueSize != null) {
            changes = changes.optArg("changefeed_queue_size", options.changefeedQueueSize);
          }
          feed = changes.runAsync(connection, Result.FetchMode.PREEMPTIVE_HALF, Object.class)
              .get(Math.max(options.connectTimeoutMillis, 10_000), TimeUnit.MILLISECONDS);
          while (!closed) {
            Object raw;
            try {
              raw = feed.next(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException quiet) {
              if (!connection.isOpen()) {
                throw new ReqlDriverError("the changefeed connection is closed");
              }
              continue;
            } catch (NoSuchElementException ended) {
              throw new ReqlDriverError("the changefeed ended");
            }
            FeedElement element = classify(raw);
            if (!ready && (element.kind() == FeedElement.Kind.READY || element.kind() == FeedElement.Kind.ADD
                || element.kind() == FeedElement.Kind.OVERFLOW)) {
              // Subscribed: from here on every commit reaches this feed.
              ready = true;
              attempt = 0;
              Connection readyConnection = connection;
              post(() -> onReady(g, readyConnection));
            }
            switch (element.kind()) {
              case ADD:
                post(() -> onAdd(g, element.event()));
                break;
              case OVERFLOW:
                post(() -> onOverflow(g, element));
                break;
              default:
                break;
            }
          }
        } catch (Throwable t) {
          failure = t;
        } finally {
          feedConnection = null;
          if (feed != null) {
            feed.close();
          }
          RethinkDbConnector.closeQuietly(connection);
        }
        if (closed) {
          break;
        }
        Throwable cause = failure;
        post(() -> onEnded(g, cause));
        if (closing.await(backoff.delay(attempt++), TimeUnit.MILLISECONDS)) {
          break;
        }
      }
    } catch (InterruptedException interrupted) {
      // close() interrupts a wait; closed is set, nothing else to do.
    } finally {
      context.runOnContext(v -> stopped.tryComplete());
    }
  }

  private static FeedElement classify(Object raw) {
    try {
      return FeedElement.classify(raw);
    } catch (RuntimeException e) {
      LOG.warn("ignoring a change that is not a feedbus event: {} ({})", raw, e.getMessage());
      return new FeedElement(FeedElement.Kind.IGNORED, null, 0, e.getMessage());
    }
  }

  /** Hands work to the context, waiting while too much is queued there already. */
  private void post(Runnable work) throws InterruptedException {
    inFlight.acquire();
    context.runOnContext(v -> {
      try {
        work.run();
      } finally {
        inFlight.release();
      }
    });
  }

  // ------------------------------------------------------------------ on the context

  private void onReady(int g, Connection connection) {
    if (closed) {
      return;
    }
    generation = g;
    generationConnection = connection;
    if (!everReady) {
      everReady = true;
      connected = true;
      status(StoreStatus.State.CONNECTED, null);
    } else if (!connected) {
      connected = true;
      status(StoreStatus.State.RECONNECTED, null);
    }
    if (tracker == null) {
      fixStart(g);
    } else {
      catchUp(g, tracker.beginCatchUp(true));
    }
  }

  /** The first gap read starts at {@code from}, or at the newest event once the feed is subscribed. */
  private void fixStart(int g) {
    Future<Cursor> start = from != null
        ? Future.succeededFuture(from)
        : log.atomOn(generationConnection, context, "latest", log.latestQuery()).map(RethinkDbEventLog::latestOf);
    start.onComplete(ar -> {
      if (closed || g != generation) {
        return;
      }
      if (ar.failed()) {
        abort(g, ar.cause());
        return;
      }
      tracker = new DeliveryTracker(ar.result(), options.resumeLookbackMillis, MAX_BUFFERED);
      Cursor bound = tracker.beginCatchUp(false);
      beforeStart.forEach(e -> tracker.offerLive(e, this::deliver));
      beforeStart.clear();
      opened.tryComplete(this);
      catchUp(g, bound);
    });
  }

  private void catchUp(int g, Cursor after) {
    log.atomOn(generationConnection, context, "change stream gap read", log.readAllAfterQuery(after, PAGE))
        .map(RethinkDbEventLog::eventsOf)
        .onComplete(ar -> {
          if (closed || g != generation) {
            return;
          }
          if (ar.failed()) {
            abort(g, ar.cause());
            return;
          }
          List<Event> page = ar.result();
          tracker.acceptStored(page, this::deliver);
          if (page.size() == PAGE) {
            catchUp(g, page.get(page.size() - 1).cursor());
            return;
          }
          Cursor next = tracker.finishCatchUp(this::deliver);
          if (next != null) {
            catchUp(g, next);
          }
        });
  }

  private void onAdd(int g, Event event) {
    if (closed || g != generation) {
      return;
    }
    if (tracker == null) {
      beforeStart.add(event);
    } else {
      tracker.offerLive(event, this::deliver);
    }
  }

  private void onOverflow(int g, FeedElement element) {
    if (closed || g != generation) {
      return;
    }
    overflows++;
    LOG.info("change stream fell behind ({}); re-reading the gap from the table", element.detail());
    // Before the start is fixed the first gap read covers what was skipped.
    if (tracker != null && tracker.gap()) {
      catchUp(g, tracker.beginCatchUp(true));
    }
  }

  /** A generation failed on the context's side (a gap read): drop its connection so the feed thread starts over. */
  private void abort(int g, Throwable cause) {
    LOG.warn("change stream read failed, reconnecting: {}", cause.getMessage());
    Connection connection = generationConnection;
    generation = 0;
    context.owner().executeBlocking(() -> {
      RethinkDbConnector.closeQuietly(connection);
      return null;
    }, false);
  }

  private void onEnded(int g, Throwable cause) {
    if (closed) {
      return;
    }
    if (g == generation) {
      generation = 0;
    }
    String detail = cause == null ? "the changefeed ended" : RethinkDbErrors.describe(RethinkDbErrors.unwrap(cause));
    if (!everReady) {
      opened.tryFail(FeedbusException.storeUnavailable("cannot open a changefeed on RethinkDB at "
          + log.connector().address() + ": " + detail, cause));
      close();
      return;
    }
    if (connected) {
      connected = false;
      LOG.warn("change stream disconnected from RethinkDB at {}: {}", log.connector().address(), detail);
      status(StoreStatus.State.DISCONNECTED, detail);
    }
  }

  private void deliver(Event event) {
    if (closed) {
      return;
    }
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      LOG.error("change listener failed on {}", event, e);
    }
  }

  private void status(StoreStatus.State state, String detail) {
    try {
      listener.onStatus(StoreStatus.of(state, RethinkDbEventLog.ENGINE, detail));
    } catch (RuntimeException e) {
      LOG.error("change listener failed on status {}", state, e);
    }
  }
}
