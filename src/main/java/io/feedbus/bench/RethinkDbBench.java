package io.feedbus.bench;

import static com.rethinkdb.RethinkDB.r;

import com.rethinkdb.net.Connection;
import com.rethinkdb.net.Result;
import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code feedbus bench --rethinkdb}: the broker on RethinkDB next to what RethinkDB does without it,
 * in the same run on the same server. The baselines are the official Java driver (hard durability,
 * a {@code changes()} feed receiving): {@value #RAW_WRITERS} threads writing batches of
 * {@value #RAW_BATCH} documents, and one thread writing batches of as many documents as the broker
 * has publishers (the most a perfect group commit could write at once, since each publisher has one
 * publish in flight). The broker is an in-process node on its RethinkDB engine with concurrent
 * publishers and one live subscriber. A run is done when every event is acknowledged and delivered.
 */
public final class RethinkDbBench {

  static final int RAW_WRITERS = 4;
  static final int RAW_BATCH = 100;

  record Run(String name, int writers, int events, double ackSeconds, double deliverySeconds, Latencies latencies,
             double eventsPerWrite, double writeMillis) {
    double ackRate() {
      return events / ackSeconds;
    }

    double deliveryRate() {
      return events / deliverySeconds;
    }

    double percentileMillis(double p) {
      return latencies == null ? Double.NaN : latencies.percentileMillis(p);
    }
  }

  private final RethinkDbOptions server;
  private final int events;
  private final int publishers;
  private final String payload;
  private final java.util.function.Consumer<String> progress;

  RethinkDbBench(RethinkDbOptions server, int events, int publishers, int payloadBytes, java.util.function.Consumer<String> progress) {
    this.server = server;
    this.events = events;
    this.publishers = publishers;
    this.payload = "x".repeat(Math.max(0, payloadBytes));
    this.progress = progress;
  }

  List<Run> run() throws Exception {
    progress("warm-up: raw driver");
    raw(Math.min(events, 4_000), RAW_WRITERS, RAW_BATCH);
    progress("warm-up: feedbus");
    broker(Math.min(events, 4_000));
    progress("raw driver, " + RAW_WRITERS + " writers x " + RAW_BATCH + " documents per insert, changes() feed");
    Run raw = raw(events, RAW_WRITERS, RAW_BATCH);
    progress("raw driver, 1 writer x " + publishers + " documents per insert, changes() feed");
    Run sameConcurrency = raw(events, 1, publishers);
    progress("feedbus, " + publishers + " publishers, one live subscriber");
    Run broker = broker(events);
    return List.of(raw, sameConcurrency, broker);
  }

  private void progress(String step) {
    progress.accept(step);
  }

  /** The official driver: batched inserts from a few threads, a changes() feed on its own connection. */
  private Run raw(int total, int writerCount, int batchSize) throws Exception {
    String db = "feedbus_bench_raw_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection admin = connect()) {
      r.dbCreate(db).run(admin);
      r.db(db).tableCreate("events").run(admin);
      r.db(db).table("events").wait_().run(admin);
      AtomicInteger delivered = new AtomicInteger();
      AtomicLong lastDelivery = new AtomicLong();
      CountDownLatch feedReady = new CountDownLatch(1);
      CountDownLatch allDelivered = new CountDownLatch(1);
      AtomicReference<Throwable> feedFailure = new AtomicReference<>();
      Thread feed = new Thread(() -> {
        try (Connection c = connect();
             Result<Object> changes = r.db(db).table("events").changes().optArg("include_states", true)
                 .run(c, Result.FetchMode.AGGRESSIVE)) {
          for (Object change : changes) {
            Map<?, ?> element = (Map<?, ?>) change;
            if ("ready".equals(element.get("state"))) {
              feedReady.countDown();
            } else if (element.get("new_val") != null && delivered.incrementAndGet() == total) {
              lastDelivery.set(System.nanoTime());
              allDelivered.countDown();
              return;
            }
          }
        } catch (Throwable t) {
          feedFailure.set(t);
          feedReady.countDown();
          allDelivered.countDown();
        }
      }, "bench-raw-feed");
      feed.setDaemon(true);
      feed.start();
      feedReady.await(30, TimeUnit.SECONDS);
      AtomicInteger next = new AtomicInteger();
      long started = System.nanoTime();
      List<Thread> writers = new ArrayList<>();
      AtomicReference<Throwable> writeFailure = new AtomicReference<>();
      for (int w = 0; w < writerCount; w++) {
        Thread writer = new Thread(() -> {
          try (Connection c = connect()) {
            while (true) {
              int first = next.getAndAdd(batchSize);
              if (first >= total) {
                return;
              }
              List<Map<String, Object>> batch = new ArrayList<>();
              for (int i = first; i < Math.min(total, first + batchSize); i++) {
                Map<String, Object> doc = new HashMap<>();
                doc.put("topic", "bench");
                doc.put("payload", Map.of("n", i, "data", payload));
                batch.add(doc);
              }
              r.db(db).table("events").insert(batch).optArg("durability", "hard").run(c);
            }
          } catch (Throwable t) {
            writeFailure.set(t);
          }
        }, "bench-raw-writer-" + w);
        writer.start();
        writers.add(writer);
      }
      for (Thread writer : writers) {
        writer.join();
      }
      long acked = System.nanoTime();
      if (writeFailure.get() != null) {
        throw new IllegalStateException("raw writes failed", writeFailure.get());
      }
      if (!allDelivered.await(5, TimeUnit.MINUTES) || feedFailure.get() != null) {
        throw new IllegalStateException("the raw changes() feed delivered " + delivered.get() + " of " + total, feedFailure.get());
      }
      return new Run("raw driver " + writerCount + "x" + batchSize, writerCount, total, (acked - started) / 1e9,
          (lastDelivery.get() - started) / 1e9, null, batchSize, Double.NaN);
    } finally {
      try (Connection admin = connect()) {
        r.dbDrop(db).run(admin);
      }
    }
  }

  /** An in-process node on the RethinkDB engine; publishers on the event bus, one live subscriber. */
  private Run broker(int total) throws Exception {
    RethinkDbOptions engine = io.vertx.core.json.JsonObject.mapFrom(server).mapTo(RethinkDbOptions.class);
    engine.database = "feedbus_bench_" + UUID.randomUUID().toString().substring(0, 8);
    Path dir = Files.createTempDirectory("feedbus-bench");
    Vertx vertx = Vertx.vertx();
    try {
      FeedbusOptions options = FeedbusOptions.load(new JsonObject()
          .put("http", new JsonObject().put("port", 0))
          .put("store", new JsonObject().put("type", "rethinkdb").put("rethinkdb", JsonObject.mapFrom(engine))
              .put("embedded", new JsonObject().put("dataDir", dir.toString()))), Map.of(), Map.of());
      Feedbus node = BenchSupport.await(Feedbus.start(vertx, options));
      try {
        FeedbusClient client = FeedbusClient.create(vertx);
        AtomicInteger delivered = new AtomicInteger();
        AtomicLong lastDelivery = new AtomicLong();
        Promise<Void> allDelivered = Promise.promise();
        Subscription subscription = BenchSupport.await(client.subscribe("bench", null, event -> {
          if (delivered.incrementAndGet() == total) {
            lastDelivery.set(System.nanoTime());
            allDelivered.tryComplete();
          }
        }));
        Latencies latencies = new Latencies(total);
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        List<Future<Void>> loops = new ArrayList<>();
        for (int i = 0; i < publishers; i++) {
          Promise<Void> loop = Promise.promise();
          BenchSupport.publishLoop(client, "bench", payload, latencies, next, total, loop);
          loops.add(loop.future());
        }
        BenchSupport.await(Future.all(loops));
        long acked = System.nanoTime();
        BenchSupport.await(allDelivered.future());
        BenchSupport.await(subscription.cancel());
        var batchSize = node.meters().find("feedbus.publish.batch.events").summary();
        var batchTime = node.meters().find("feedbus.publish.batch").timer();
        return new Run("feedbus", publishers, total, (acked - started) / 1e9, (lastDelivery.get() - started) / 1e9, latencies,
            batchSize == null ? Double.NaN : batchSize.mean(),
            batchTime == null ? Double.NaN : batchTime.mean(TimeUnit.MILLISECONDS));
      } finally {
        BenchSupport.await(node.close());
        try (Connection admin = connect()) {
          r.dbDrop(engine.database).run(admin);
        }
      }
    } finally {
      BenchSupport.await(vertx.close());
      BenchSupport.deleteTree(dir);
    }
  }

  private Connection connect() {
    return r.connection().hostname(server.host).port(server.port)
        .user(server.user, server.password == null ? "" : server.password).connect();
  }

  /** The section of {@code feedbus bench}: the broker's acks and deliveries against both raw runs. */
  public static final class Section implements BenchSection {
    private final RethinkDbOptions server;

    public Section(RethinkDbOptions server) {
      this.server = server;
    }

    @Override
    public String name() {
      return "rethinkdb";
    }

    @Override
    public void run(BenchRun run) throws Exception {
      int publishers = 64;
      RethinkDbBench bench = new RethinkDbBench(server, run.size(20_000, 4_000), publishers, 256, step -> run.progress("rethinkdb: %s", step));
      List<Run> runs = bench.run();
      Run batched = runs.get(0);
      Run same = runs.get(1);
      Run broker = runs.get(2);
      String note = String.format("%.1f events per store write, %.2f ms per write; hard durability, 256-byte payloads",
          broker.eventsPerWrite(), broker.writeMillis());
      run.add(new Figure(name(), "acks, " + publishers + " publishers, event bus", broker.ackRate(), "acks/s", broker.percentileMillis(0.99),
          "raw driver " + batched.name().substring(11) + " inserts", batched.ackRate(), Double.NaN, note));
      run.add(new Figure(name(), "acks, against one writer of " + publishers, broker.ackRate(), "acks/s", broker.percentileMillis(0.99),
          "raw driver " + same.name().substring(11) + " inserts", same.ackRate(), Double.NaN, null));
      run.add(new Figure(name(), "live deliveries, one subscriber", broker.deliveryRate(), "events/s", Double.NaN,
          "raw changes() feed, " + batched.name().substring(11), batched.deliveryRate(), Double.NaN, null));
    }
  }
}
