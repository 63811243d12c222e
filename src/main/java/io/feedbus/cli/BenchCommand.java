package io.feedbus.cli;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.ops.Logs;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.store.rethinkdb.RethinkDbServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code feedbus bench}: publishes against an in-process node on the embedded engine (a fresh temp
 * directory) and prints events/s and ack latency, sequential publishing first (the baseline), then
 * concurrent publishers (group commit), as ratios against that baseline from the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure publish throughput and ack latency on an in-process embedded node.",
        "Example: feedbus bench --events 20000 --publishers 64"})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--events", defaultValue = "20000", description = "Events per run. Default: ${DEFAULT-VALUE}")
  int events;

  @Option(names = "--publishers", defaultValue = "64", description = "Concurrent publishers in the group-commit run. Default: ${DEFAULT-VALUE}")
  int publishers;

  @Option(names = "--payload-bytes", defaultValue = "200", description = "Payload size. Default: ${DEFAULT-VALUE}")
  int payloadBytes;

  @Option(names = "--no-fsync", description = "Do not fsync each commit (store.embedded.fsync = false).")
  boolean noFsync;

  @Option(names = "--rethinkdb", description = {"Bench the RethinkDB engine against the raw Java driver on the same server:",
      "RETHINKDB_HOST / RETHINKDB_PORT when set, else a rethinkdb binary (RETHINKDB_BIN or on the PATH) started for the run."})
  boolean rethinkdb;

  @Spec
  CommandSpec spec;

  record Result(String name, int publishers, int events, double seconds, long[] latencies) {
    double rate() {
      return events / seconds;
    }

    double percentileMillis(double p) {
      return BenchCommand.percentileMillis(latencies, p);
    }
  }

  @Override
  public Integer call() throws Exception {
    Logs.quiet();
    if (events < 1 || publishers < 1) {
      spec.commandLine().getErr().println("feedbus bench: --events and --publishers must be at least 1");
      return ExitCodes.USAGE;
    }
    if (rethinkdb) {
      return benchRethinkDb();
    }
    Path dir = Files.createTempDirectory("feedbus-bench");
    Vertx vertx = Vertx.vertx();
    try {
      FeedbusOptions options = FeedbusOptions.load(new JsonObject()
          .put("http", new JsonObject().put("port", 0))
          .put("store", new JsonObject().put("embedded", new JsonObject().put("dataDir", dir.toString()).put("fsync", !noFsync))), Map.of(), Map.of());
      Feedbus node = await(Feedbus.start(vertx, options));
      try {
        FeedbusClient client = FeedbusClient.create(vertx);
        String payload = "x".repeat(Math.max(0, payloadBytes));
        run(client, "warmup", Math.min(publishers, 8), Math.min(events, 2000), payload);
        Result sequential = run(client, "sequential (1 at a time)", 1, events, payload);
        Result grouped = run(client, "concurrent, group commit", publishers, events, payload);
        print(List.of(sequential, grouped), sequential);
      } finally {
        await(node.close());
      }
    } finally {
      await(vertx.close());
      deleteTree(dir);
    }
    return ExitCodes.OK;
  }

  private Integer benchRethinkDb() throws Exception {
    RethinkDbOptions server = new RethinkDbOptions();
    String host = System.getenv("RETHINKDB_HOST");
    RethinkDbServerProcess process = null;
    String description;
    if (host != null && !host.isBlank()) {
      server.host = host;
      String port = System.getenv("RETHINKDB_PORT");
      server.port = port == null || port.isBlank() ? 28015 : Integer.parseInt(port);
      description = server.address();
    } else {
      var binary = RethinkDbServerProcess.findBinary();
      if (binary.isEmpty()) {
        spec.commandLine().getErr().println("feedbus bench: store_unavailable: no RethinkDB server: set RETHINKDB_HOST"
            + " (and RETHINKDB_PORT), or put a rethinkdb binary on the PATH or at RETHINKDB_BIN");
        return ExitCodes.UNAVAILABLE;
      }
      process = RethinkDbServerProcess.start(binary.get());
      server.host = process.host();
      server.port = process.driverPort();
      description = binary.get() + " on " + server.address() + " (started for this run)";
    }
    String user = System.getenv("RETHINKDB_USER");
    if (user != null && !user.isBlank()) {
      server.user = user;
    }
    server.password = System.getenv().getOrDefault("RETHINKDB_PASSWORD", "");
    try {
      RethinkDbBench bench = new RethinkDbBench(server, events, publishers, payloadBytes, spec.commandLine().getOut());
      bench.print(bench.run(), description);
    } finally {
      if (process != null) {
        process.close();
      }
    }
    return ExitCodes.OK;
  }

  private Result run(FeedbusClient client, String name, int concurrency, int total, String payload) throws Exception {
    long[] latencies = new long[total];
    int[] next = {0};
    long started = System.nanoTime();
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      Promise<Void> worker = Promise.promise();
      publishLoop(client, "bench-" + i, payload, latencies, next, total, worker);
      workers.add(worker.future());
    }
    await(Future.all(workers));
    double seconds = (System.nanoTime() - started) / 1e9;
    Arrays.sort(latencies);
    return new Result(name, concurrency, total, seconds, latencies);
  }

  /** Publishes one event at a time until {@code total} are taken by all loops together (no future chain: no deep stack). */
  static void publishLoop(FeedbusClient client, String topic, String payload, long[] latencies, int[] next, int total, Promise<Void> done) {
    int index;
    synchronized (next) {
      if (next[0] >= total) {
        done.complete();
        return;
      }
      index = next[0]++;
    }
    long t0 = System.nanoTime();
    client.publish(topic, new JsonObject().put("n", index).put("data", payload)).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      latencies[index] = System.nanoTime() - t0;
      publishLoop(client, topic, payload, latencies, next, total, done);
    });
  }

  private void print(List<Result> results, Result baseline) {
    PrintWriter out = spec.commandLine().getOut();
    out.printf("feedbus bench: embedded engine, fsync=%s, %d-byte payloads, %d cores%n", !noFsync, payloadBytes,
        Runtime.getRuntime().availableProcessors());
    out.printf("%-28s %10s %8s %12s %9s %9s %12s %10s%n", "mode", "publishers", "events", "events/s", "p50 ms", "p99 ms", "x throughput", "x p50");
    for (Result r : results) {
      out.printf("%-28s %10d %8d %12.0f %9.2f %9.2f %12.2f %10.2f%n", r.name(), r.publishers(), r.events(), r.rate(),
          r.percentileMillis(0.50), r.percentileMillis(0.99), r.rate() / baseline.rate(),
          r.percentileMillis(0.50) / baseline.percentileMillis(0.50));
    }
    out.flush();
  }

  /** The {@code p} quantile (0..1) of sorted nanosecond latencies, in milliseconds; NaN when there are none. */
  static double percentileMillis(long[] sortedNanos, double p) {
    if (sortedNanos == null || sortedNanos.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(p * sortedNanos.length) - 1);
    return sortedNanos[Math.max(0, index)] / 1e6;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
