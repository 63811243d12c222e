package io.feedbus.bench;

import io.feedbus.client.FeedbusClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Small things every section uses. */
final class BenchSupport {

  private BenchSupport() {
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  /** Work on a fresh Vert.x and temp directory. */
  interface VertxWork {
    void run(Vertx vertx, Path dir) throws Exception;
  }

  /** Runs {@code work} with a new Vert.x and a new temp directory, then closes the one and deletes the other, also on failure. */
  static void withVertx(String dirPrefix, VertxWork work) throws Exception {
    Path dir = Files.createTempDirectory(dirPrefix);
    Vertx vertx = Vertx.vertx();
    try {
      work.run(vertx, dir);
    } finally {
      try {
        await(vertx.close());
      } finally {
        deleteTree(dir);
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The round with the median {@code value} (of an even count, the lower middle one). */
  static <T> T median(java.util.List<T> rounds, java.util.function.ToDoubleFunction<T> value) {
    java.util.List<T> sorted = new java.util.ArrayList<>(rounds);
    sorted.sort(Comparator.comparingDouble(value));
    return sorted.get((sorted.size() - 1) / 2);
  }

  /** A payload string of {@code bytes} ASCII characters. */
  static String payload(int bytes) {
    return "x".repeat(Math.max(0, bytes));
  }

  /**
   * One publisher with one publish in flight over the event bus: publishes until {@code next}
   * reaches {@code total} (shared by all loops), recording each ack's latency. No future chain, so
   * no deep stack.
   */
  static void publishLoop(FeedbusClient client, String topic, String payload, Latencies latencies, AtomicInteger next,
                          int total, Promise<Void> done) {
    int index = next.getAndIncrement();
    if (index >= total) {
      done.tryComplete();
      return;
    }
    long t0 = System.nanoTime();
    client.publish(topic, new JsonObject().put("n", index).put("data", payload)).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      latencies.record(System.nanoTime() - t0);
      publishLoop(client, topic, payload, latencies, next, total, done);
    });
  }
}
