package io.feedbus.cli;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.ops.Logs;
import io.vertx.core.Future;
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

  @Spec
  CommandSpec spec;

  record Result(String name, int publishers, int events, double seconds, long[] latencies) {
    double rate() {
      return events / seconds;
    }

    double percentileMillis(double p) {
      int index = (int) Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1);
      return latencies[Math.max(0, index)] / 1e6;
    }
  }

  @Override
  public Integer call() throws Exception {
    Logs.quiet();
    if (events < 1 || publishers < 1) {
      spec.commandLine().getErr().println("feedbus bench: --events and --publishers must be at least 1");
      return ExitCodes.USAGE;
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

  private Result run(FeedbusClient client, String name, int concurrency, int total, String payload) throws Exception {
    long[] latencies = new long[total];
    int[] next = {0};
    long started = System.nanoTime();
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      workers.add(publishLoop(client, "bench-" + i, payload, latencies, next, total));
    }
    await(Future.all(workers));
    double seconds = (System.nanoTime() - started) / 1e9;
    Arrays.sort(latencies);
    return new Result(name, concurrency, total, seconds, latencies);
  }

  /** Publishes one event at a time until {@code total} are taken by all loops together. */
  private Future<Void> publishLoop(FeedbusClient client, String topic, String payload, long[] latencies, int[] next, int total) {
    int index;
    synchronized (next) {
      if (next[0] >= total) {
        return Future.succeededFuture();
      }
      index = next[0]++;
    }
    long t0 = System.nanoTime();
    return client.publish(topic, new JsonObject().put("n", index).put("data", payload)).compose(ack -> {
      latencies[index] = System.nanoTime() - t0;
      return publishLoop(client, topic, payload, latencies, next, total);
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

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
