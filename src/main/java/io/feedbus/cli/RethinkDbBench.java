package io.feedbus.cli;

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
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
final class RethinkDbBench {

  static final int RAW_WRITERS = 4;
  static final int RAW_BATCH = 100;

  record Run(String name, int writers, int events, double ackSeconds, double deliverySeconds, long[] latencies,
             double eventsPerWrite, double writeMillis) {
    double ackRate() {
      return events / ackSeconds;
    }

    double deliveryRate() {
      return events / deliverySeconds;
    }

    double percentileMillis(double p) {
      return BenchCommand.percentileMillis(latencies, p);
    }
  }

  private final RethinkDbOptions server;
  private final int events;
  private final int publishers;
  private final String payload;
  private final PrintWriter out;

  RethinkDbBench(RethinkDbOptions server, int events, int publishers, int payloadBytes, PrintWriter out) {
    this.server = server;
    this.events = events;
    this.publishers = publishers;
    this.payload = "x".repeat(Math.max(0, payloadBytes));
    this.out = out;
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
    out.println("  ... " + step);
    out.flush();
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
      Feedbus node = BenchCommand.await(Feedbus.start(vertx, options));
      try {
        FeedbusClient client = FeedbusClient.create(vertx);
        AtomicInteger delivered = new AtomicInteger();
        AtomicLong lastDelivery = new AtomicLong();
        Promise<Void> allDelivered = Promise.promise();
        Subscription subscription = BenchCommand.await(client.subscribe("bench", null, event -> {
          if (delivered.incrementAndGet() == total) {
            lastDelivery.set(System.nanoTime());
            allDelivered.tryComplete();
          }
        }));
        long[] latencies = new long[total];
        int[] next = {0};
        long started = System.nanoTime();
        List<Future<Void>> loops = new ArrayList<>();
        for (int i = 0; i < publishers; i++) {
          Promise<Void> loop = Promise.promise();
          BenchCommand.publishLoop(client, "bench", payload, latencies, next, total, loop);
          loops.add(loop.future());
        }
        BenchCommand.await(Future.all(loops));
        long acked = System.nanoTime();
        BenchCommand.await(allDelivered.future());
        BenchCommand.await(subscription.cancel());
        Arrays.sort(latencies);
        var batchSize = node.meters().find("feedbus.publish.batch.events").summary();
        var batchTime = node.meters().find("feedbus.publish.batch").timer();
        return new Run("feedbus", publishers, total, (acked - started) / 1e9, (lastDelivery.get() - started) / 1e9, latencies,
            batchSize == null ? Double.NaN : batchSize.mean(),
            batchTime == null ? Double.NaN : batchTime.mean(TimeUnit.MILLISECONDS));
      } finally {
        BenchCommand.await(node.close());
        try (Connection admin = connect()) {
          r.dbDrop(engine.database).run(admin);
        }
      }
    } finally {
      BenchCommand.await(vertx.close());
      BenchCommand.deleteTree(dir);
    }
  }

  private Connection connect() {
    return r.connection().hostname(server.host).port(server.port)
        .user(server.user, server.password == null ? "" : server.password).connect();
  }

  void print(List<Run> runs, String serverDescription) {
    Run batched = runs.get(0);
    Run same = runs.get(1);
    out.printf("feedbus bench: RethinkDB engine against %s, hard durability, %d-byte payloads, %d cores%n",
        serverDescription, payload.length(), Runtime.getRuntime().availableProcessors());
    out.printf("%-20s %7s %7s %9s %12s %8s %8s %12s %9s | %-13s %-13s%n", "mode", "writers", "events", "acks/s",
        "delivered/s", "p50 ms", "p99 ms", "events/write", "write ms",
        "x " + batched.name().substring(11), "x " + same.name().substring(11));
    for (Run run : runs) {
      out.printf("%-20s %7d %7d %9.0f %12.0f %8.2f %8.2f %12.1f %9.2f | %5.2f / %5.2f %5.2f / %5.2f%n", run.name(),
          run.writers(), run.events(), run.ackRate(), run.deliveryRate(), run.percentileMillis(0.5), run.percentileMillis(0.99),
          run.eventsPerWrite(), run.writeMillis(), run.ackRate() / batched.ackRate(), run.deliveryRate() / batched.deliveryRate(),
          run.ackRate() / same.ackRate(), run.deliveryRate() / same.deliveryRate());
    }
    out.println("ratios are acks / delivered, each against the raw run named in the column, measured in this run");
    out.flush();
  }
}
