package io.feedbus.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fan-out: one topic, many WebSocket subscribers. The broker runs as its own process with a 1 GiB
 * heap; the subscribers are bridge WebSockets ({@code /eventbus/websocket}, registered on
 * {@code feedbus.topic.<topic>}, pinging like the JS client) in the bench's JVM. One publisher, a
 * bridge socket too, publishes without waiting for acks while fewer than {@value #WINDOW} events
 * are not yet delivered to every subscriber, so the broker always has work and never an unbounded
 * backlog. A third as many events go first, unmeasured (the JIT warm-up the other sections have too).
 * The figure is deliveries (events times subscribers) over the time from the first publish
 * to the last delivery; latency is from the publish to each delivery (the send time travels in the
 * payload; clients and publisher share the clock), so at saturation it is about the window over the
 * event rate.
 *
 * <p>The window is what lets a server write several events to a socket at once. With one publish
 * awaiting its ack and 4 events in the window, the rate was bound by the ack's wait behind 10,000
 * socket writes: about 60,000 deliveries/s for the broker and the raw server alike here, well below
 * what either could write.
 *
 * <p>Baseline: the same clients against {@link RawFanoutServer}, a plain Vert.x WebSocket server
 * in a child process with the same heap that writes one encoded frame to every socket.
 */
public final class FanoutBench implements BenchSection {

  /** Events published but not yet delivered to every subscriber, at most (the publisher's pipeline). */
  static final int WINDOW = 16;
  static final String TOPIC = "fanout";
  static final List<String> CHILD_JVM = List.of("-Xmx1g");
  /** A subscriber that has heard nothing new for this long while deliveries are due: the run stops there. */
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** How long every subscriber may take to receive its first event once all are connected. */
  private static final long PROBE_NANOS = TimeUnit.MINUTES.toNanos(5);
  private static final byte[] SENT_AT = "\"t\":".getBytes(StandardCharsets.US_ASCII);
  /** The reply address of the history request that tells a subscriber it is admitted. */
  private static final String READY = "ready";

  /** What one run measured; {@code delivered + dropped == expected} when it completed. */
  record Result(int subscribers, int events, long expected, long delivered, long dropped, int closedByServer, double seconds,
                Latencies latencies, Latencies acks, double connectSeconds, String firstClose, String refusal, double serverCpuMicros) {
    double rate() {
      return delivered / seconds;
    }

    boolean complete() {
      return delivered == expected;
    }
  }

  @Override
  public String name() {
    return "fanout";
  }

  @Override
  public void run(BenchRun run) throws Exception {
    int asked = run.size(10_000, 1_000);
    int events = run.size(300, 60);
    BenchSupport.withVertx("feedbus-bench-fanout", (vertx, dir) -> {
      Result broker;
      long heapUsed;
      long heapLive;
      try (ChildBroker node = ChildBroker.start(dir, CHILD_JVM)) {
        try (Fanout fanout = new Fanout(vertx, node.port(), node.pid(), asked, events, run, "feedbus")) {
          broker = fanout.measure();
          heapUsed = node.heapUsedBytes(false);
          heapLive = node.heapUsedBytes(true);
        } catch (Exception e) {
          List<String> output = node.output();
          List<String> last = output.subList(Math.max(0, output.size() - 30), output.size());
          run.progress("fanout: the broker's last lines:%n  %s", String.join("\n  ", last));
          throw e;
        }
        if (node.output().stream().anyMatch(line -> line.contains("OutOfMemoryError"))) {
          run.note("fanout: the broker ran out of heap (-Xmx1g)");
        }
      }
      if (broker.refusal() != null) {
        run.note(String.format("fanout: the broker admitted %,d of %,d sockets, then refused one (%s): the run went on with %,d"
            + " (and the baseline with as many)", broker.subscribers(), asked, broker.refusal(), broker.subscribers()));
      }
      Result raw;
      try (ChildBroker peer = ChildBroker.startMain(RawFanoutServer.class.getName(), CHILD_JVM, List.of());
           Fanout fanout = new Fanout(vertx, peer.port(), peer.pid(), broker.subscribers(), events, run, "raw server")) {
        raw = fanout.measure();
      }
      String note = String.format("%,d subscribers, %d events of %d bytes, %s; broker heap (-Xmx1g) with every socket open: %d MiB used"
              + " after the run, %d MiB live after a full GC (jcmd GC.heap_info); %,d dropped, %d sockets closed by the broker during"
              + " the run%s; p50 delivery %.1f ms (raw %.1f), p50 ack %.1f ms; server CPU %.2f us/delivery (raw %.2f);"
              + " connecting and admitting took %.0f s (raw %.0f s); target: 10,000 sockets within 1 GiB, 200,000 deliveries/s",
          broker.subscribers(), events, InProcessBench.PAYLOAD_BYTES,
          broker.complete() ? "all delivered" : String.format("only %,d of %,d delivered before deliveries stalled for 30 s",
              broker.delivered(), broker.expected()),
          heapUsed >> 20, heapLive >> 20, broker.dropped(), broker.closedByServer(),
          broker.firstClose() == null ? "" : " (first: " + broker.firstClose() + ")",
          broker.latencies().percentileMillis(0.5), raw.latencies().percentileMillis(0.5), broker.acks().percentileMillis(0.5),
          broker.serverCpuMicros(), raw.serverCpuMicros(), broker.connectSeconds(), raw.connectSeconds());
      run.add(new Figure(name(), String.format("deliveries, %,d bridge sockets, 1 topic", broker.subscribers()), broker.rate(),
          "deliveries/s", broker.latencies().percentileMillis(0.99), "raw Vert.x WS server, same clients", raw.rate(),
          raw.latencies().percentileMillis(0.99), note));
      if (!raw.complete()) {
        run.note(String.format("fanout: the raw server delivered only %,d of %,d", raw.delivered(), raw.expected()));
      }
    });
  }

  /** One run against one server: its subscribers, its publisher, what they counted. */
  private static final class Fanout implements AutoCloseable {
    /** Sockets being connected and admitted at once: the broker admits one at a time, each within its registry's timeout. */
    private static final int LANES = 16;

    private final Vertx vertx;
    private final int asked;
    private final int events;
    private final BenchRun run;
    private final String label;
    private final WebSocketClient client;
    private final List<WebSocket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger admitted = new AtomicInteger();
    /** Admitted subscribers whose socket the server closed. */
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicInteger probed = new AtomicInteger();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger closedByServer = new AtomicInteger();
    /** The phase's (warm-up, then measured) latencies and acks; replaced between phases, when nothing is in flight. */
    private volatile Latencies latencies;
    private volatile Latencies acks;
    /** Completes at the last delivery (or drop notice) that makes the phase's count whole. */
    private volatile Promise<Long> all = Promise.promise();
    /** The subscribers admitted, and the deliveries due; set once connecting is over. */
    private volatile int subscribers;
    private volatile long expected = Long.MAX_VALUE;
    private volatile long lastDelivery;
    private volatile String firstClose;
    private volatile String refusal;
    private volatile boolean closing;
    private long pingTimer = -1;

    /** The server's process, whose CPU time the deliveries took. */
    private final long serverPid;

    Fanout(Vertx vertx, int port, long serverPid, int asked, int events, BenchRun run, String label) {
      this.vertx = vertx;
      this.serverPid = serverPid;
      this.asked = asked;
      this.events = events;
      this.run = run;
      this.label = label;
      this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(asked + 16)
          .setDefaultHost("127.0.0.1").setDefaultPort(port));
    }

    Result measure() throws Exception {
      long t0 = System.nanoTime();
      run.progress("fanout: %s: connecting %,d subscribers, %d at a time", label, asked, LANES);
      // Like the JS client: a ping every 5 s per socket, spread over the 5 s.
      AtomicInteger ticks = new AtomicInteger();
      pingTimer = vertx.setPeriodic(1_000, timer -> {
        for (int i = ticks.getAndIncrement() % 5; i < sockets.size(); i += 5) {
          sockets.get(i).writeTextMessage("{\"type\":\"ping\"}");
        }
      });
      // The publisher first: once the subscribers fill the broker's registry, a socket may wait too long to be admitted.
      Context context = vertx.getOrCreateContext();
      BridgePublisher publisher = BenchSupport.await(onContext(context, this::connectPublisher));
      BenchSupport.await(connectSubscribers());
      run.progress("fanout: %s: waiting until every subscriber receives a probe", label);
      long probing = System.nanoTime();
      BenchSupport.await(onContext(context, () -> probe(publisher, probing, new long[] {probing})));
      // Subscribers the server closed meanwhile (a registry that expired them) are not waited for.
      subscribers = admitted.get() - lost.get();
      double connectSeconds = (System.nanoTime() - t0) / 1e9;
      // Unmeasured, as the other sections warm up: the server's delivery path (and the clients')
      // is JIT-compiled here. Without it the first seconds of the measured run delivered at about
      // 90,000/s and the rest at 200,000 to 280,000.
      int warm = Math.max(1, events / 3);
      run.progress("fanout: %s: warm-up, %d events to %,d subscribers", label, warm, subscribers);
      startPhase(warm);
      BenchSupport.await(onContext(context, () -> publish(publisher, warm)));
      awaitDeliveries();
      if (!all.future().isComplete()) {
        throw new IllegalStateException(String.format("fanout: %s: the warm-up delivered only %,d of %,d", label, delivered.get(),
            expected));
      }
      run.progress("fanout: %s: %,d events to %,d subscribers", label, events, subscribers);
      startPhase(events);
      int closedBefore = closedByServer.get();
      firstClose = null;
      // CPU per delivery moves far less with the machine's other load than the rate does.
      long cpu = EndToEndBench.cpuNanos(serverPid);
      long started = BenchSupport.await(onContext(context, () -> publish(publisher, events)));
      long ended = awaitDeliveries();
      double cpuMicros = (EndToEndBench.cpuNanos(serverPid) - cpu) / 1e3 / Math.max(1, delivered.get());
      return new Result(subscribers, events, expected, delivered.get(), dropped.get(), closedByServer.get() - closedBefore,
          (ended - started) / 1e9, latencies, acks, connectSeconds, firstClose, refusal, cpuMicros);
    }

    /** Counts from zero for a phase of {@code phaseEvents} events to every subscriber; nothing of the last phase is in flight. */
    private void startPhase(int phaseEvents) {
      expected = Long.MAX_VALUE;
      delivered.set(0);
      dropped.set(0);
      latencies = new Latencies(subscribers * phaseEvents);
      acks = new Latencies(phaseEvents);
      all = Promise.promise();
      expected = (long) subscribers * phaseEvents;
    }

    private static <T> Future<T> onContext(Context context, java.util.function.Supplier<Future<T>> action) {
      Promise<T> promise = Promise.promise();
      context.runOnContext(v -> action.get().onComplete(promise));
      return promise.future();
    }

    /**
     * Connects subscribers {@value #LANES} at a time, each registering on the topic and then asking
     * for a history page: its reply comes once the server admitted the socket. Stops at the first
     * refusal (the run goes on with those admitted).
     */
    private Future<Void> connectSubscribers() {
      AtomicInteger next = new AtomicInteger();
      List<Future<Void>> lanes = new ArrayList<>();
      for (int lane = 0; lane < LANES; lane++) {
        Promise<Void> done = Promise.promise();
        connectNext(next, done);
        lanes.add(done.future());
      }
      return Future.all(lanes).mapEmpty();
    }

    private void connectNext(AtomicInteger next, Promise<Void> done) {
      int i = next.getAndIncrement();
      if (i >= asked || refusal != null) {
        done.tryComplete();
        return;
      }
      if (i > 0 && i % 1_000 == 0) {
        run.progress("fanout: %s: %,d subscribers admitted", label, admitted.get());
      }
      Subscriber subscriber = new Subscriber();
      connect(subscriber::onFrame, subscriber::closed).compose(socket -> {
        sockets.add(socket);
        socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "feedbus.topic." + TOPIC).encode());
        socket.writeTextMessage(new JsonObject().put("type", "send").put("address", "feedbus.history").put("replyAddress", READY)
            .put("body", new JsonObject().put("topic", TOPIC + "-ready").put("limit", 1)).encode());
        return subscriber.ready.future();
      }).onComplete(ar -> {
        if (ar.failed()) {
          if (refusal == null) {
            refusal = "subscriber " + (i + 1) + ": " + ar.cause().getMessage();
          }
          done.tryComplete();
          return;
        }
        subscriber.admitted = true;
        admitted.incrementAndGet();
        connectNext(next, done);
      });
    }

    private Future<WebSocket> connect(java.util.function.Consumer<Buffer> onFrame, Runnable onClosedByServer) {
      return client.connect(new WebSocketConnectOptions().setURI("/eventbus/websocket")).onSuccess(socket -> {
        socket.binaryMessageHandler(onFrame::accept);
        socket.textMessageHandler(text -> onFrame.accept(Buffer.buffer(text)));
        socket.closeHandler(v -> {
          if (!closing) {
            onClosedByServer.run();
            closedByServer.incrementAndGet();
            if (firstClose == null) {
              firstClose = socket.closeStatusCode() + " " + socket.closeReason();
            }
          }
        });
      });
    }

    private Future<BridgePublisher> connectPublisher() {
      BridgePublisher publisher = new BridgePublisher();
      return connect(frame -> publisher.answer(new JsonObject(frame)), () -> { }).map(socket -> {
        sockets.add(socket);
        publisher.socket = socket;
        socket.closeHandler(v -> publisher.closed("the publisher's socket closed: " + socket.closeStatusCode() + " " + socket.closeReason()));
        return publisher;
      });
    }

    /**
     * Publishes probes until every subscriber has received one: then all are registered, and the
     * run starts. Fails after {@link #PROBE_NANOS}.
     */
    private Future<Void> probe(BridgePublisher publisher, long started, long[] reported) {
      long now = System.nanoTime();
      if (probed.get() + lost.get() >= admitted.get()) {
        return Future.succeededFuture();
      }
      if (now - started > PROBE_NANOS) {
        return Future.failedFuture(String.format("only %,d of %,d subscribers received a probe in %d s; %d sockets closed by the server%s",
            probed.get(), admitted.get(), TimeUnit.NANOSECONDS.toSeconds(PROBE_NANOS), closedByServer.get(),
            firstClose == null ? "" : " (first: " + firstClose + ")"));
      }
      if (now - reported[0] > TimeUnit.SECONDS.toNanos(10)) {
        reported[0] = now;
        run.progress("fanout: %s: %,d of %,d subscribers received a probe, %d sockets closed by the server", label, probed.get(),
            admitted.get(), closedByServer.get());
      }
      return publisher.publish(TOPIC, new JsonObject().put("probe", true))
          .compose(v -> vertx.timer(200))
          .compose(v -> probe(publisher, started, reported));
    }

    /**
     * Starts publishing (on the publisher's context): each millisecond, events while fewer than
     * {@link #WINDOW} are not yet delivered everywhere, acknowledged or not (the window is below the
     * bridge's bound on requests in flight, 64); completes with the first send time.
     */
    private Future<Long> publish(BridgePublisher publisher, int count) {
      Promise<Long> firstSent = Promise.promise();
      int[] published = {0};
      Promise<Long> phaseDone = all;
      vertx.setPeriodic(1, timer -> {
        while (true) {
          if (published[0] >= count || phaseDone.future().isComplete()) {
            vertx.cancelTimer(timer);
            return;
          }
          if ((long) (published[0] + 1 - WINDOW) * subscribers > delivered.get() + dropped.get()) {
            return;
          }
          publishOne(publisher, published[0]++, firstSent, phaseDone);
        }
      });
      return firstSent.future();
    }

    private void publishOne(BridgePublisher publisher, int n, Promise<Long> firstSent, Promise<Long> phaseDone) {
      long sent = System.nanoTime();
      firstSent.tryComplete(sent);
      Latencies phaseAcks = acks;
      publisher.publish(TOPIC, EndToEndBench.payload(n, sent, EndToEndBench.DATA)).onComplete(ar -> {
        if (ar.failed()) {
          phaseDone.tryFail(ar.cause());
        } else {
          phaseAcks.record(System.nanoTime() - sent);
        }
      });
    }

    /**
     * Waits until every delivery is counted (or dropped), or until none has come for a while;
     * returns when the last one came.
     */
    private long awaitDeliveries() throws Exception {
      long lastSeen = -1;
      long lastChange = System.nanoTime();
      long lastReport = lastChange;
      while (true) {
        try {
          return all.future().toCompletionStage().toCompletableFuture().get(500, TimeUnit.MILLISECONDS);
        } catch (TimeoutException notYet) {
          long seen = delivered.get() + dropped.get();
          long now = System.nanoTime();
          if (seen != lastSeen) {
            lastSeen = seen;
            lastChange = now;
          } else if (now - lastChange > STALL_NANOS) {
            return lastDelivery;
          }
          if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
            lastReport = now;
            run.progress("fanout: %s: %,d of %,d delivered, %,d dropped", label, delivered.get(), expected, dropped.get());
          }
        }
      }
    }

    private void counted() {
      if (delivered.get() + dropped.get() >= expected) {
        all.tryComplete(System.nanoTime());
      }
    }

    @Override
    public void close() throws Exception {
      closing = true;
      if (pingTimer >= 0) {
        vertx.cancelTimer(pingTimer);
      }
      BenchSupport.await(client.close());
    }

    /** One subscriber's frames; runs on its socket's event loop. */
    private final class Subscriber {
      /** Completes with the reply to the history request sent after connecting: the socket is admitted. */
      final Promise<Void> ready = Promise.promise();
      volatile boolean admitted;
      private boolean sawProbe;

      void closed() {
        if (admitted) {
          lost.incrementAndGet();
        }
      }

      void onFrame(Buffer frame) {
        long sentAt = numberAfter(frame, SENT_AT);
        if (sentAt != Long.MIN_VALUE) {
          long now = System.nanoTime();
          latencies.record(now - sentAt);
          lastDelivery = now;
          delivered.incrementAndGet();
          counted();
          return;
        }
        JsonObject json = new JsonObject(frame);
        Object value = json.getValue("body");
        JsonObject body = value instanceof JsonObject ? (JsonObject) value : new JsonObject();
        String address = json.getString("address", "");
        if (READY.equals(address)) {
          if ("err".equals(json.getString("type"))) {
            ready.tryFail("its history request failed: " + json.encode());
          } else {
            ready.tryComplete();
          }
        } else if ("feedbus.bridge.closing".equals(address)) {
          ready.tryFail("the server closes it: " + body.encode());
        } else if ("feedbus.bridge.dropped".equals(address)) {
          dropped.addAndGet(body.getLong("dropped", 0L));
          counted();
        } else if (body.getValue("payload") instanceof JsonObject payload && payload.containsKey("probe") && !sawProbe) {
          sawProbe = true;
          probed.incrementAndGet();
        }
      }
    }
  }

  /**
   * The whole number right after the first {@code marker} in {@code frame}, or {@link Long#MIN_VALUE}
   * when there is none: the subscribers read the send time without decoding the whole frame, so the
   * clients cost as little as they can (it is the broker being measured).
   */
  static long numberAfter(Buffer frame, byte[] marker) {
    // A plain loop over the frame's own array: through Buffer.getByte, and through Netty's
    // ByteBufUtil.indexOf too (bounds and reference-count checks per byte), the search was a sixth
    // of the clients' time at 10,000 sockets.
    ByteBuf buffer = ((BufferInternal) frame).getByteBuf();
    int length = buffer.readableBytes();
    byte[] bytes;
    int offset;
    if (buffer.hasArray()) {
      bytes = buffer.array();
      offset = buffer.arrayOffset() + buffer.readerIndex();
    } else {
      bytes = new byte[length];
      buffer.getBytes(buffer.readerIndex(), bytes);
      offset = 0;
    }
    int end = offset + length;
    outer:
    for (int i = offset; i + marker.length < end; i++) {
      for (int j = 0; j < marker.length; j++) {
        if (bytes[i + j] != marker[j]) {
          continue outer;
        }
      }
      int k = i + marker.length;
      boolean negative = bytes[k] == '-';
      if (negative) {
        k++;
      }
      int firstDigit = k;
      long value = 0;
      for (; k < end && bytes[k] >= '0' && bytes[k] <= '9'; k++) {
        value = value * 10 + (bytes[k] - '0');
      }
      return k == firstDigit ? Long.MIN_VALUE : negative ? -value : value;
    }
    return Long.MIN_VALUE;
  }

}
