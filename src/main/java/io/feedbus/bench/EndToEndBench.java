package io.feedbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.parsetools.RecordParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * End to end, as a user compares brokers: publish, wait for the durable ack, and one live subscriber
 * receives; each publisher has one publish in flight; 256-byte payloads. feedbus runs as its own
 * process on the embedded engine with {@code store.embedded.fsync=false} (NATS JetStream's file
 * store does not fsync each message either: the same durability class), once over HTTP (publish
 * POST, SSE subscriber) and once over the SockJS bridge (WebSocket transport both ways). The
 * baseline is Debian's {@code nats-server} with JetStream, run beside it in the same run when
 * installed. The rate is events over the time until the last ack and the last delivery. Each
 * publisher count is warmed up unmeasured on all three first, then measured in {@value #ROUNDS}
 * interleaved rounds. The rate is the median round's; the p99 latencies are over every measured
 * round's samples together (a single round's p99 at one publisher rests on its 100 slowest acks, and
 * moved by a third from round to round on both sides).
 */
public final class EndToEndBench implements BenchSection {

  static final int[] PUBLISHERS = {1, 16, 256};
  /** Measured rounds per shape and transport; the rate is the median round's, the p99s are over all of them. */
  static final int ROUNDS = 3;
  /** The payload's filler: the whole payload JSON is 256 bytes. */
  static final String DATA = BenchSupport.payload(256 - payload(0, 0, "").encode().length() - 24);

  /** What one run measured. */
  record Result(int events, double seconds, Latencies acks, Latencies deliveries, int delivered) {
    double rate() {
      return events / seconds;
    }
  }

  @Override
  public String name() {
    return "e2e";
  }

  static JsonObject payload(int n, long sentNanos, String data) {
    return new JsonObject().put("n", n).put("t", sentNanos).put("data", data);
  }

  @Override
  public void run(BenchRun run) throws Exception {
    Optional<Path> natsBinary = NatsBaseline.findBinary();
    NatsBaseline nats = null;
    if (natsBinary.isPresent()) {
      run.note("baseline: " + NatsBaseline.version(natsBinary.get()) + " (" + natsBinary.get() + "), JetStream file store, jnats client");
      nats = NatsBaseline.start(natsBinary.get());
    } else {
      run.note("no nats-server on the PATH (or NATS_SERVER_BIN): e2e figures have no NATS baseline; install Debian's nats-server to compare");
    }
    Path dir = Files.createTempDirectory("feedbus-bench-e2e");
    Vertx vertx = Vertx.vertx();
    try (ChildBroker broker = ChildBroker.start(dir, List.of(), "--set", "store.embedded.fsync=false");
         NatsBaseline peer = nats) {
      Clients clients = new Clients(vertx, broker.port());
      run.progress("e2e: warm-up (feedbus HTTP, bridge%s)", peer == null ? "" : ", NATS");
      // Long enough for the broker's JIT to settle: a cold JVM spends most of its CPU compiling.
      int warm = run.size(60_000, 3_000);
      clients.http(16, warm, "warm-http");
      clients.bridge(16, warm, "warm-bridge");
      if (peer != null) {
        peer.run(16, warm, DATA);
      }
      for (int publishers : PUBLISHERS) {
        int events = run.size(publishers == 1 ? 20_000 : 40_000, publishers == 1 ? 1_000 : 4_000);
        // Each shape first runs once unmeasured: a JIT-compiled broker (or client) that just moved
        // from 16 publishers to 1 runs its first thousands of requests at half speed or less.
        run.progress("e2e: warm-up with %d publishers", publishers);
        if (peer != null) {
          peer.run(publishers, events / 2, DATA);
        }
        clients.http(publishers, events / 2, "warm-http-" + publishers);
        clients.bridge(publishers, events / 2, "warm-bridge-" + publishers);
        // Rounds interleave the three, so a load spike on a shared machine hits all of them alike;
        // the rate is the median round, p99s pool the rounds.
        List<Result> natsRounds = new ArrayList<>();
        List<Result> http = new ArrayList<>();
        List<Result> bridge = new ArrayList<>();
        // The servers' CPU time per event, per round: unlike rates, it hardly moves with the machine's other load.
        List<Double> natsCpu = new ArrayList<>();
        List<Double> httpCpu = new ArrayList<>();
        List<Double> bridgeCpu = new ArrayList<>();
        int rounds = run.size(ROUNDS, 1);
        for (int round = 1; round <= rounds; round++) {
          if (peer != null) {
            run.progress("e2e: NATS JetStream, %d publishers, %,d events (round %d of %d)", publishers, events, round, rounds);
            long cpu = cpuNanos(peer.pid());
            natsRounds.add(peer.run(publishers, events, DATA));
            natsCpu.add((cpuNanos(peer.pid()) - cpu) / 1e3 / events);
          }
          run.progress("e2e: feedbus HTTP + SSE, %d publishers, %,d events (round %d of %d)", publishers, events, round, rounds);
          long cpu = cpuNanos(broker.pid());
          http.add(clients.http(publishers, events, "http-" + publishers + "-" + round));
          httpCpu.add((cpuNanos(broker.pid()) - cpu) / 1e3 / events);
          run.progress("e2e: feedbus bridge (WebSocket), %d publishers, %,d events (round %d of %d)", publishers, events, round, rounds);
          cpu = cpuNanos(broker.pid());
          bridge.add(clients.bridge(publishers, events, "bridge-" + publishers + "-" + round));
          bridgeCpu.add((cpuNanos(broker.pid()) - cpu) / 1e3 / events);
        }
        double natsMicros = natsCpu.isEmpty() ? Double.NaN : medianOf(natsCpu);
        add(run, "HTTP publish -> SSE, " + publishers + " publishers", http, natsRounds, medianOf(httpCpu), natsMicros);
        add(run, "bridge publish -> bridge, " + publishers + " publishers", bridge, natsRounds, medianOf(bridgeCpu), natsMicros);
      }
      clients.close();
    } finally {
      BenchSupport.await(vertx.close());
      BenchSupport.deleteTree(dir);
    }
  }

  /**
   * One publisher's closed loop: publishes the next of {@code total} events (numbered by
   * {@code next}, shared by the publishers), records the ack's latency, and goes on until none is left.
   */
  static void publishLoop(java.util.function.BiFunction<String, Object, Future<Void>> publish, String topic, AtomicInteger next,
                          int total, Latencies acks, Promise<Void> done) {
    int n = next.getAndIncrement();
    if (n >= total) {
      done.tryComplete();
      return;
    }
    long t0 = System.nanoTime();
    publish.apply(topic, payload(n, t0, DATA)).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      acks.record(System.nanoTime() - t0);
      publishLoop(publish, topic, next, total, acks, done);
    });
  }

  /** The round with the median rate (of an even count, the slower middle one). */
  static Result median(List<Result> rounds) {
    return BenchSupport.median(rounds, Result::rate);
  }

  /** The middle value (of an even count, the lower middle one). */
  static double medianOf(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get((sorted.size() - 1) / 2);
  }

  /** The CPU time a process has used so far (user and system, every thread), or 0 when the system does not say. */
  static long cpuNanos(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(java.time.Duration::toNanos).orElse(0L);
  }

  /**
   * One table line: the median round's rate; the p99 ack (and delivery) latency over every round's
   * samples, for both sides alike. The note also gives the median round's own p99 ack, the figure
   * runs before the pooling reported.
   */
  private void add(BenchRun run, String name, List<Result> rounds, List<Result> baselineRounds, double cpuMicros, double natsCpuMicros) {
    Result result = median(rounds);
    Result baseline = baselineRounds.isEmpty() ? null : median(baselineRounds);
    double ackP99 = pooled(rounds, Result::acks).percentileMillis(0.99);
    double baselineAckP99 = baseline == null ? Double.NaN : pooled(baselineRounds, Result::acks).percentileMillis(0.99);
    String natsDelivery = baseline == null ? ""
        : String.format(" (NATS %.2f)", pooled(baselineRounds, Result::deliveries).percentileMillis(0.99));
    String note = String.format("p99 delivery %.2f ms%s; p50 ack %.2f ms%s; median round's p99 ack %.2f ms%s; server CPU %.0f us/event%s",
        pooled(rounds, Result::deliveries).percentileMillis(0.99), natsDelivery,
        result.acks().percentileMillis(0.5), baseline == null ? "" : String.format(" (NATS %.2f)", baseline.acks().percentileMillis(0.5)),
        result.acks().percentileMillis(0.99), baseline == null ? "" : String.format(" (NATS %.2f)", baseline.acks().percentileMillis(0.99)),
        cpuMicros, Double.isNaN(natsCpuMicros) ? "" : String.format(" (NATS %.0f)", natsCpuMicros));
    run.add(new Figure(name(), name, result.rate(), "events/s", ackP99,
        baseline == null ? null : "NATS JetStream, same publishers", baseline == null ? Double.NaN : baseline.rate(), baselineAckP99, note));
  }

  private static Latencies pooled(List<Result> rounds, java.util.function.Function<Result, Latencies> which) {
    return Latencies.pooled(rounds.stream().map(which).toList());
  }

  /** The broker's clients in the bench's own JVM: lean HTTP publishers ({@link HttpPublisher}), a Vert.x HTTP client for SSE, Vert.x WebSockets. */
  static final class Clients {
    private final Vertx vertx;
    private final int port;
    private final List<HttpClient> httpClients = new ArrayList<>();
    private final WebSocketClient sockets;
    private final NetClient net;

    Clients(Vertx vertx, int port) {
      this.vertx = vertx;
      this.port = port;
      this.sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1024).setDefaultHost("127.0.0.1")
          .setDefaultPort(port));
      this.net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    }

    /** {@code publishers} keep-alive connections posting events ({@link HttpPublisher}); an SSE stream of the topic receives. */
    Result http(int publishers, int events, String topic) throws Exception {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
          .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1));
      httpClients.add(client);
      Latencies deliveries = new Latencies(events);
      Receiver receiver = new Receiver(events, deliveries);
      BenchSupport.await(client.request(HttpMethod.GET, "/topics/" + topic + "/stream").compose(req -> req.send()).compose(response -> {
        if (response.statusCode() != 200) {
          return Future.failedFuture("SSE stream answered " + response.statusCode());
        }
        RecordParser lines = RecordParser.newDelimited("\n", line -> {
          if (line.length() > 6 && line.getByte(0) == 'd' && line.getString(0, 6).equals("data: ")) {
            receiver.accept(new JsonObject(line.getBuffer(6, line.length())));
          }
        });
        response.handler(lines);
        return Future.succeededFuture();
      }));
      List<HttpPublisher> publishing = new ArrayList<>();
      for (int i = 0; i < publishers; i++) {
        publishing.add(BenchSupport.await(HttpPublisher.connect(net, "127.0.0.1", port)));
      }
      probe(receiver, done -> publishing.get(0).publish(topic, new JsonObject().put("probe", true)).onComplete(done));
      Latencies acks = new Latencies(events);
      AtomicInteger next = new AtomicInteger();
      long started = System.nanoTime();
      List<Future<Void>> loops = new ArrayList<>();
      for (HttpPublisher publisher : publishing) {
        Promise<Void> loop = Promise.promise();
        publisher.loop(topic, next, events, acks, loop);
        loops.add(loop.future());
      }
      BenchSupport.await(Future.all(loops));
      long acked = System.nanoTime();
      long last = BenchSupport.await(receiver.all.future());
      for (HttpPublisher publisher : publishing) {
        BenchSupport.await(publisher.close());
      }
      BenchSupport.await(client.close());
      httpClients.remove(client);
      return new Result(events, (Math.max(acked, last) - started) / 1e9, acks, deliveries, receiver.count.get());
    }

    /** {@code publishers} bridge sockets sending to {@code feedbus.publish}; one more socket registered on the topic receives. */
    Result bridge(int publishers, int events, String topic) throws Exception {
      Latencies deliveries = new Latencies(events);
      Receiver receiver = new Receiver(events, deliveries);
      String address = "feedbus.topic." + topic;
      WebSocket subscriber = BenchSupport.await(connect(frame -> {
        if (address.equals(frame.getString("address"))) {
          receiver.accept(frame.getJsonObject("body"));
        } else if ("closed".equals(frame.getString("type"))) {
          receiver.all.tryFail("the bridge closed the subscriber's socket after " + receiver.count.get() + " events");
        }
      }));
      subscriber.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
      List<BridgePublisher> sockets = new ArrayList<>();
      for (int i = 0; i < publishers; i++) {
        BridgePublisher publisher = new BridgePublisher();
        publisher.socket = BenchSupport.await(connect(publisher::answer));
        sockets.add(publisher);
      }
      probe(receiver, done -> sockets.get(0).publish(topic, new JsonObject().put("probe", true)).onComplete(done));
      Latencies acks = new Latencies(events);
      AtomicInteger next = new AtomicInteger();
      long started = System.nanoTime();
      List<Future<Void>> loops = new ArrayList<>();
      for (BridgePublisher publisher : sockets) {
        Promise<Void> loop = Promise.promise();
        publisher.loop(topic, next, events, acks, loop);
        loops.add(loop.future());
      }
      BenchSupport.await(Future.all(loops));
      long acked = System.nanoTime();
      long last = BenchSupport.await(receiver.all.future());
      for (BridgePublisher publisher : sockets) {
        BenchSupport.await(publisher.socket.close());
      }
      BenchSupport.await(subscriber.close());
      return new Result(events, (Math.max(acked, last) - started) / 1e9, acks, deliveries, receiver.count.get());
    }

    /** A bridge socket that pings every 5 s, as the browser client does (the bridge closes sockets that stop pinging). */
    private Future<WebSocket> connect(Consumer<JsonObject> onFrame) {
      return sockets.connect(new WebSocketConnectOptions().setURI("/eventbus/websocket")).onSuccess(ws -> {
        ws.textMessageHandler(text -> onFrame.accept(new JsonObject(text)));
        ws.binaryMessageHandler(data -> onFrame.accept(new JsonObject(data)));
        String ping = new JsonObject().put("type", "ping").encode();
        long pinger = vertx.setPeriodic(5_000, id -> ws.writeTextMessage(ping));
        ws.closeHandler(v -> {
          vertx.cancelTimer(pinger);
          onFrame.accept(new JsonObject().put("type", "closed"));
        });
      });
    }

    /** Publishes probes until the subscriber sees one: then it is live, and the measured run starts. */
    private void probe(Receiver receiver, Consumer<Promise<Void>> publishProbe) throws Exception {
      for (int attempt = 0; attempt < 100 && !receiver.probed.future().isComplete(); attempt++) {
        Promise<Void> sent = Promise.promise();
        publishProbe.accept(sent);
        BenchSupport.await(sent.future());
        Thread.sleep(50);
      }
      BenchSupport.await(receiver.probed.future());
    }

    void close() throws Exception {
      BenchSupport.await(sockets.close());
      BenchSupport.await(net.close());
      for (HttpClient client : List.copyOf(httpClients)) {
        BenchSupport.await(client.close());
      }
    }
  }

  /** Counts the measured events a subscriber receives (probes only mark it live) and their delivery latency. */
  static final class Receiver {
    final int expected;
    final Latencies deliveries;
    final AtomicInteger count = new AtomicInteger();
    final Promise<Void> probed = Promise.promise();
    final Promise<Long> all = Promise.promise();

    Receiver(int expected, Latencies deliveries) {
      this.expected = expected;
      this.deliveries = deliveries;
    }

    void accept(JsonObject event) {
      Object payload = event.getValue("payload");
      if (!(payload instanceof JsonObject)) {
        return;
      }
      JsonObject p = (JsonObject) payload;
      if (p.containsKey("probe")) {
        probed.tryComplete();
        return;
      }
      deliveries.record(System.nanoTime() - p.getLong("t"));
      if (count.incrementAndGet() == expected) {
        all.tryComplete(System.nanoTime());
      }
    }
  }
}
