package io.feedbus.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The peer feedbus is compared with: Debian's {@code nats-server} with JetStream (file store), run
 * as a child process on a free loopback port for the bench and stopped after. Publishers use the
 * official Java client ({@code jnats}), one connection each, one publish in flight, each publish
 * acknowledged by the stream; one push consumer receives.
 */
final class NatsBaseline implements AutoCloseable {

  private final Process process;
  private final Path dir;
  private final String url;
  private int streams;

  /** The server's process id (its CPU time is measured per run). */
  long pid() {
    return process.pid();
  }

  private NatsBaseline(Process process, Path dir, String url) {
    this.process = process;
    this.dir = dir;
    this.url = url;
  }

  /** {@code nats-server} on the PATH (or NATS_SERVER_BIN), if any. */
  static Optional<Path> findBinary() {
    String explicit = System.getenv("NATS_SERVER_BIN");
    if (explicit != null && !explicit.isBlank()) {
      return Optional.of(Path.of(explicit)).filter(Files::isExecutable);
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(entry, "nats-server");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static NatsBaseline start(Path binary) throws Exception {
    Path dir = Files.createTempDirectory("feedbus-bench-nats");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Process process = new ProcessBuilder(binary.toString(), "-js", "-a", "127.0.0.1", "-p", String.valueOf(port),
        "-sd", dir.toString()).redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (lines.size() < 200) {
            lines.add(line);
          }
          if (line.contains("Server is ready")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException("nats-server exited:\n" + String.join("\n", lines)));
    }, "bench-nats-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
    return new NatsBaseline(process, dir, "nats://127.0.0.1:" + port);
  }

  /** The version line {@code nats-server --version} prints. */
  static String version(Path binary) {
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(5, TimeUnit.SECONDS);
      return text;
    } catch (Exception e) {
      return binary.toString();
    }
  }

  /**
   * {@code events} publishes from {@code publishers} connections, each waiting for its ack before
   * the next, on a fresh file-backed stream; one push consumer counts deliveries.
   */
  EndToEndBench.Result run(int publishers, int events, String data) throws Exception {
    String subject = "bench" + (++streams);
    Latencies acks = new Latencies(events);
    Latencies deliveries = new Latencies(events);
    List<Connection> connections = new ArrayList<>();
    try {
      Connection admin = Nats.connect(url);
      connections.add(admin);
      JetStreamManagement jsm = admin.jetStreamManagement();
      jsm.addStream(StreamConfiguration.builder().name("BENCH" + streams).subjects(subject).storageType(StorageType.File).build());
      CompletableFuture<Long> allDelivered = new CompletableFuture<>();
      AtomicInteger delivered = new AtomicInteger();
      Dispatcher dispatcher = admin.createDispatcher();
      JetStreamSubscription subscription = admin.jetStream().subscribe(subject, dispatcher, message -> {
        JsonObject payload = new JsonObject(new String(message.getData(), StandardCharsets.UTF_8));
        deliveries.record(System.nanoTime() - payload.getLong("t"));
        if (delivered.incrementAndGet() == events) {
          allDelivered.complete(System.nanoTime());
        }
      }, false, PushSubscribeOptions.builder().configuration(ConsumerConfiguration.builder()
          .ackPolicy(AckPolicy.None).deliverPolicy(DeliverPolicy.New).build()).build());
      List<JetStream> streamsOf = new ArrayList<>();
      for (int i = 0; i < publishers; i++) {
        Connection c = Nats.connect(url);
        connections.add(c);
        streamsOf.add(c.jetStream());
      }
      AtomicInteger next = new AtomicInteger();
      CompletableFuture<?>[] loops = new CompletableFuture<?>[publishers];
      long started = System.nanoTime();
      for (int i = 0; i < publishers; i++) {
        CompletableFuture<Void> loop = new CompletableFuture<>();
        publishLoop(streamsOf.get(i), subject, data, next, events, acks, loop);
        loops[i] = loop;
      }
      CompletableFuture.allOf(loops).get(10, TimeUnit.MINUTES);
      long acked = System.nanoTime();
      long last = allDelivered.get(5, TimeUnit.MINUTES);
      dispatcher.unsubscribe(subscription);
      return new EndToEndBench.Result(events, (Math.max(acked, last) - started) / 1e9, acks, deliveries, delivered.get());
    } finally {
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  private static void publishLoop(JetStream js, String subject, String data, AtomicInteger next, int total, Latencies acks,
                                  CompletableFuture<Void> done) {
    int n = next.getAndIncrement();
    if (n >= total) {
      done.complete(null);
      return;
    }
    long t0 = System.nanoTime();
    byte[] body = EndToEndBench.payload(n, t0, data).encode().getBytes(StandardCharsets.UTF_8);
    js.publishAsync(subject, body).whenComplete((ack, error) -> {
      if (error != null) {
        done.completeExceptionally(error);
        return;
      }
      acks.record(System.nanoTime() - t0);
      publishLoop(js, subject, data, next, total, acks, done);
    });
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    BenchSupport.deleteTree(dir);
  }

}
