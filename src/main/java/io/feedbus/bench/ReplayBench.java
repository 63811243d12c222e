package io.feedbus.bench;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.feed.HistoryRequest;
import io.feedbus.store.EventLog;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.store.rethinkdb.RethinkDbEventLog;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.store.rethinkdb.wire.Reql;
import io.feedbus.store.rethinkdb.wire.ReqlConnection;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replay catch-up: a topic holds a million stored events; a subscriber starts from its origin
 * through the real replay path ({@link FeedbusClient#subscribe}, which pages {@code feedbus.history}
 * on an in-process node) and the figure is events over the time until the last stored one arrives.
 * The events are stored beforehand through {@link EventLog#append} in batches of {@value #LOAD_BATCH},
 * directly on the engine instance the node then serves from (not measured). Baseline, same run, same
 * engine instance: {@link EventLog#readPage} in a loop with the page size and byte bound the
 * subscription used. Both paths first read a warm-up topic of a tenth as many events, once the
 * engine has finished with the load (the embedded engine's index is up to date).
 */
public final class ReplayBench implements BenchSection {

  static final String TOPIC = "replay";
  /** A topic of a tenth of the events, which both paths read first to warm up. */
  static final String WARM_UP_TOPIC = "replay-warm-up";
  static final int LOAD_BATCH = 10_000;
  /** A cursor before every real one: a subscription after it replays the whole topic. */
  static final String ORIGIN = "0000000000000-000000-00000000";
  static final String NODE_ID = "bench-replay";

  private final boolean embedded;
  private final RethinkDbOptions rethinkdb;

  /** The embedded engine when {@code embedded}; RethinkDB on {@code rethinkdbOrNull} when given (else that row is skipped, noted). */
  public ReplayBench(boolean embedded, RethinkDbOptions rethinkdbOrNull) {
    this.embedded = embedded;
    this.rethinkdb = rethinkdbOrNull;
  }

  @Override
  public String name() {
    return "replay";
  }

  /** One engine to measure: how to open it, the node's store options, how to clean up after. */
  private interface Engine {
    String label();

    Future<EventLog> open(Vertx vertx, Path dir);

    JsonObject storeOptions(Path dir);

    void cleanUp(Vertx vertx) throws Exception;

    /** Waits for what the engine still does after a load (not measured), so neither path reads while it runs. */
    default void settle(EventLog log) throws Exception {
    }
  }

  @Override
  public void run(BenchRun run) throws Exception {
    if (embedded) {
      measure(run, new Engine() {
        public String label() {
          return "embedded";
        }

        public Future<EventLog> open(Vertx vertx, Path dir) {
          // fsync off while loading: the load is not measured, and reads do not care.
          return EmbeddedEventLog.open(vertx, dir, false, NODE_ID).map(l -> l);
        }

        public JsonObject storeOptions(Path dir) {
          return new JsonObject().put("embedded", new JsonObject().put("dataDir", dir.toString()));
        }

        public void cleanUp(Vertx vertx) {
        }

        public void settle(EventLog log) throws Exception {
          // The indexer lags a fast load by seconds; without this the baseline, which runs first, would share the cores with it.
          BenchSupport.await(((EmbeddedEventLog) log).indexNow());
        }
      }, run.size(1_000_000, 100_000), 200_000);
    }
    if (rethinkdb == null) {
      run.note("replay: no RethinkDB server (RETHINKDB_HOST or a rethinkdb binary): the RethinkDB replay row is skipped");
      return;
    }
    RethinkDbOptions fresh = JsonObject.mapFrom(rethinkdb).mapTo(RethinkDbOptions.class);
    // Hard durability (the default) also while loading: soft writes would still be flushing while the baseline reads.
    fresh.database = "feedbus_bench_replay_" + UUID.randomUUID().toString().substring(0, 8);
    measure(run, new Engine() {
      public String label() {
        return "RethinkDB";
      }

      public Future<EventLog> open(Vertx vertx, Path dir) {
        return RethinkDbEventLog.open(vertx, fresh, NODE_ID).map(l -> l);
      }

      public JsonObject storeOptions(Path dir) {
        return new JsonObject().put("type", "rethinkdb").put("rethinkdb", JsonObject.mapFrom(fresh))
            .put("embedded", new JsonObject().put("dataDir", dir.toString()));
      }

      public void cleanUp(Vertx vertx) throws Exception {
        BenchSupport.await(ReqlConnection.connect(vertx, fresh.endpoint())
            .compose(c -> c.run(Reql.dbDrop(fresh.database), 120_000).eventually(c::close))
            // Not there when the engine could not open: nothing to drop, and the cause of that failure is the news.
            .recover(e -> String.valueOf(e.getMessage()).contains("does not exist") ? Future.succeededFuture() : Future.failedFuture(e)));
      }
    }, run.size(1_000_000, 50_000), 50_000);
  }

  private void measure(BenchRun run, Engine engine, int events, int target) throws Exception {
    BenchSupport.withVertx("feedbus-bench-replay", (vertx, dir) -> {
      Feedbus node = null;
      EventLog log = null;
      try {
        log = BenchSupport.await(engine.open(vertx, dir));
        run.progress("replay: %s: storing %,d events (and %,d to warm up) in batches of %,d", engine.label(), events, events / 10, LOAD_BATCH);
        Cursor warmUpLast = load(run, log, WARM_UP_TOPIC, events / 10);
        long loadStarted = System.nanoTime();
        Cursor last = load(run, log, TOPIC, events);
        double loadRate = events / ((System.nanoTime() - loadStarted) / 1e9);
        engine.settle(log);
        FeedbusOptions options = FeedbusOptions.load(new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("store", engine.storeOptions(dir)), Map.of(), Map.of()).nodeId(NODE_ID);
        node = BenchSupport.await(Feedbus.start(vertx, options, log));
        HistoryPages pages = new HistoryPages();
        vertx.eventBus().addOutboundInterceptor(pages);
        FeedbusClient client = FeedbusClient.create(vertx, 120_000);
        long maxBytes = options.history().maxPageBytes;

        run.progress("replay: %s: warm-up on %,d events", engine.label(), events / 10);
        subscribe(client, WARM_UP_TOPIC, warmUpLast);
        int pageSize = pages.limit;
        if (pageSize <= 0) {
          throw new IllegalStateException("replay: the subscription read no history page on feedbus.history");
        }
        read(vertx, log, WARM_UP_TOPIC, pageSize, maxBytes);

        run.progress("replay: %s: baseline, readPage(%d events, %d MiB) from the origin", engine.label(), pageSize, maxBytes >> 20);
        // Each catch-up starts from a collected heap. The load leaves about a gigabyte to collect, and
        // MVStore keeps the pages its cache evicts behind weak references: whether G1's marking ran
        // before a catch-up (the pages gone, read again from the file), during it (on the same two
        // cores) or not at all (the pages still in memory) moved the embedded figure between 190,000
        // and 850,000 events/s.
        System.gc();
        Caught baseline = read(vertx, log, TOPIC, pageSize, maxBytes);
        run.progress("replay: %s: a subscriber from the origin", engine.label());
        pages.reset();
        System.gc();
        Caught replay = subscribe(client, TOPIC, last);
        if (replay.events() != events || baseline.events() != events) {
          throw new IllegalStateException(String.format("replay on %s: the subscriber got %,d and the baseline read %,d of %,d stored events",
              engine.label(), replay.events(), baseline.events(), events));
        }
        run.add(new Figure(name(), String.format("catch-up from origin, %,d events, %s", events, engine.label()), replay.rate(), "events/s",
            pages.latencies.percentileMillis(0.99), "EventLog.readPage loop, same pages", baseline.rate(),
            baseline.pages().percentileMillis(0.99), String.format("p99 is per history page (%,d pages of up to %d events); stored"
                + " at %,.0f events/s beforehand; %d-byte payloads; target: %,d events/s", pages.count.get(), pageSize, loadRate,
                InProcessBench.PAYLOAD_BYTES, target)));
      } finally {
        try {
          if (node != null) {
            BenchSupport.await(node.close()); // closes the engine too
          } else if (log != null) {
            BenchSupport.await(log.close());
          }
        } finally {
          engine.cleanUp(vertx);
        }
      }
    });
  }

  /** Appends {@code events} to {@code topic} in batches, building the next batch while the last is written; returns the last cursor. */
  private static Cursor load(BenchRun run, EventLog log, String topic, int events) throws Exception {
    CursorClock clock = log.clock();
    String payload = BenchSupport.payload(InProcessBench.PAYLOAD_BYTES);
    Future<Void> writing = Future.succeededFuture();
    Cursor last = null;
    for (int first = 0; first < events; first += LOAD_BATCH) {
      List<Event> batch = new ArrayList<>(LOAD_BATCH);
      for (int i = first; i < Math.min(events, first + LOAD_BATCH); i++) {
        last = clock.next();
        batch.add(new Event(last, topic, new JsonObject().put("n", i).put("data", payload), Map.of(), NODE_ID, true));
      }
      BenchSupport.await(writing);
      writing = log.append(batch);
      if (first > 0 && first % 200_000 == 0) {
        run.progress("replay: %,d stored", first);
      }
    }
    BenchSupport.await(writing);
    return last;
  }

  /** What one catch-up measured. */
  record Caught(long events, double seconds, Latencies pages) {
    double rate() {
      return events / seconds;
    }
  }

  /** Subscribes to {@code topic} from the origin until the event with cursor {@code last} arrives, then cancels. */
  private static Caught subscribe(FeedbusClient client, String topic, Cursor last) throws Exception {
    AtomicLong received = new AtomicLong();
    Promise<Long> done = Promise.promise();
    long started = System.nanoTime();
    Subscription subscription = BenchSupport.await(client.subscribe(topic, ORIGIN, event -> {
      received.incrementAndGet();
      if (event.cursor().equals(last)) {
        done.tryComplete(System.nanoTime());
      }
    }));
    long ended = BenchSupport.await(done.future());
    BenchSupport.await(subscription.cancel());
    return new Caught(received.get(), (ended - started) / 1e9, null);
  }

  /** Reads {@code topic} from the origin straight from the engine, page after page, until its end. */
  private static Caught read(Vertx vertx, EventLog log, String topic, int pageSize, long maxBytes) throws Exception {
    Latencies pages = new Latencies(1 << 16);
    long started = System.nanoTime();
    Promise<Long> done = Promise.promise();
    vertx.runOnContext(v -> readFrom(log, topic, Cursor.parse(ORIGIN), pageSize, maxBytes, 0, pages, done));
    long read = BenchSupport.await(done.future());
    return new Caught(read, (System.nanoTime() - started) / 1e9, pages);
  }

  private static void readFrom(EventLog log, String topic, Cursor after, int pageSize, long maxBytes, long read, Latencies pages,
                               Promise<Long> done) {
    long t0 = System.nanoTime();
    log.readPage(topic, after, pageSize, maxBytes).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      pages.record(System.nanoTime() - t0);
      List<Event> events = ar.result().events();
      long total = read + events.size();
      if (!ar.result().full() || events.isEmpty()) {
        done.complete(total);
      } else {
        readFrom(log, topic, events.get(events.size() - 1).cursor(), pageSize, maxBytes, total, pages, done);
      }
    });
  }

  /** Watches the history requests on the bus: the page size a subscription asks for, how many pages, the time between them. */
  private static final class HistoryPages implements Handler<DeliveryContext<Object>> {
    volatile int limit;
    final AtomicInteger count = new AtomicInteger();
    volatile Latencies latencies = new Latencies(1 << 16);
    private volatile long previous;

    void reset() {
      count.set(0);
      latencies = new Latencies(1 << 16);
      previous = 0;
    }

    @Override
    public void handle(DeliveryContext<Object> context) {
      if (context.message().address().startsWith(HistoryRequest.ADDRESS) && context.body() instanceof JsonObject request) {
        limit = request.getInteger("limit", limit);
        count.incrementAndGet();
        long now = System.nanoTime();
        if (previous != 0) {
          latencies.record(now - previous);
        }
        previous = now;
      }
      context.next();
    }
  }
}
