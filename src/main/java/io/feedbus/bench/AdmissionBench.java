package io.feedbus.bench;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.event.BusService;
import io.feedbus.event.Nodes;
import io.feedbus.presence.PresenceAddresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Admission: {@value #CALLERS} concurrent callers on the event bus of an in-process node (embedded
 * engine), sharing {@value #UIDS} uids with a limit of {@value #LIMIT} streams each, so most
 * acquires meet a full uid. Each caller acquires ({@code feedbus.admission.acquire}) and, when
 * admitted, holds the slot {@value #HOLD_MILLIS} ms (a very short stream, so that slots of one uid
 * are really held at once), releases it ({@code feedbus.admission.release}) and starts over; when
 * refused, it tries again after one hold. The figure counts the admitted acquire+release pairs (at
 * most {@value #UIDS} x {@value #LIMIT} slots held {@value #HOLD_MILLIS} ms each at a time). An {@link AdmissionLedger} counts
 * over-admissions (must be 0). Baseline: the same callers making two request/reply round trips per
 * pair, with the same hold between them, to a trivial bus service on one event loop (the bus's own
 * cost), same run.
 */
public final class AdmissionBench implements BenchSection {

  static final int CALLERS = 64;
  static final int UIDS = 8;
  static final int LIMIT = 3;
  static final long HOLD_MILLIS = 1;
  static final String ECHO = "bench.admission.echo";

  /** What one run counted: pairs completed, acquires refused, and each pair's latency. */
  record Result(long pairs, long refused, double seconds, Latencies latencies) {
    double rate() {
      return pairs / seconds;
    }
  }

  @Override
  public String name() {
    return "admission";
  }

  @Override
  public void run(BenchRun run) throws Exception {
    int pairs = run.size(50_000, 5_000);
    BenchSupport.withVertx("feedbus-bench-admission", (vertx, dir) -> {
      FeedbusOptions options = FeedbusOptions.load(new JsonObject()
          .put("http", new JsonObject().put("port", 0))
          .put("store", new JsonObject().put("embedded", new JsonObject().put("dataDir", dir.toString())))
          .put("presence", new JsonObject().put("streamLimitPerUid", LIMIT)), Map.of(), Map.of());
      Feedbus node = BenchSupport.await(Feedbus.start(vertx, options));
      try {
        MessageConsumer<?> echo = BenchSupport.await(echoService(vertx));
        EventBus bus = vertx.eventBus();
        String acquire = Nodes.nearest(vertx, PresenceAddresses.ACQUIRE);
        String release = Nodes.nearest(vertx, PresenceAddresses.RELEASE);
        IntFunction<Future<Boolean>> roundTrips = caller -> bus.request(ECHO, new JsonObject().put("uid", uid(caller)))
            .compose(m -> vertx.timer(HOLD_MILLIS))
            .compose(v -> bus.request(ECHO, new JsonObject().put("uid", uid(caller)))).map(true);
        AdmissionLedger ledger = new AdmissionLedger(LIMIT);
        AtomicLong emptyReleases = new AtomicLong();
        IntFunction<Future<Boolean>> admission = caller -> {
          String uid = uid(caller);
          return bus.<JsonObject>request(acquire, new JsonObject().put("uid", uid)).compose(admitted -> {
            if (!admitted.body().getBoolean("canStream", false)) {
              return Future.succeededFuture(false);
            }
            ledger.admitted(uid, admitted.body().getInteger("streamCount", 0));
            return vertx.timer(HOLD_MILLIS).compose(v -> {
              ledger.releasing(uid);
              return bus.<JsonObject>request(release, new JsonObject().put("uid", uid));
            }).map(released -> {
              if (!released.body().getBoolean("removedStream", false)) {
                emptyReleases.incrementAndGet();
              }
              return true;
            });
          });
        };
        run.progress("admission: warm-up");
        callers(vertx, pairs / 10, roundTrips);
        callers(vertx, pairs / 10, admission);
        run.progress("admission: baseline, %d callers, 2 bus round trips per pair to a trivial service", CALLERS);
        Result baseline = callers(vertx, pairs, roundTrips);
        run.progress("admission: %d callers on %d uids (limit %d), %,d acquire+release pairs", CALLERS, UIDS, LIMIT, pairs);
        Result measured = callers(vertx, pairs, admission);
        BenchSupport.await(echo.unregister());
        run.add(new Figure(name(), String.format("acquire+release, %d callers, %d uids", CALLERS, UIDS), measured.rate(), "pairs/s",
            measured.latencies().percentileMillis(0.99), "2 bus round trips, same hold", baseline.rate(),
            baseline.latencies().percentileMillis(0.99), String.format("over-admissions: %d (must be 0; warm-up included), most"
                + " slots one uid held at once: %d of %d; %,d acquires refused at the limit (%,.0f/s); %d releases removed nothing;"
                + " each slot held %d ms (the baseline waits as long); in-process node, embedded engine", ledger.overAdmissions(),
                ledger.mostHeld(), LIMIT, measured.refused(),
                measured.refused() / measured.seconds(), emptyReleases.get(), HOLD_MILLIS)));
        if (ledger.overAdmissions() > 0) {
          run.note("admission: " + ledger.overAdmissions() + " over-admissions: the per-uid limit did not hold");
        }
      } finally {
        BenchSupport.await(node.close());
      }
    });
  }

  private static String uid(int caller) {
    return "bench-user-" + (caller % UIDS);
  }

  /** A bus service that answers at once, on one event loop like the registry's, through the same {@link BusService} wrapper. */
  private static Future<MessageConsumer<Object>> echoService(Vertx vertx) {
    Promise<MessageConsumer<Object>> registered = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      MessageConsumer<Object> consumer = BusService.register(vertx.eventBus(), ECHO, body -> Future.succeededFuture(
          new JsonObject().put("result", "success").put("uid", body.getString("uid")).put("canStream", true).put("streamCount", 1)));
      consumer.completion().map(consumer).onComplete(registered);
    });
    return registered.future();
  }

  /**
   * Runs {@value #CALLERS} callers, each on its own context, each running {@code pair} (true: a pair
   * done, false: refused) again and again until {@code total} pairs are done between them.
   */
  private static Result callers(Vertx vertx, int total, IntFunction<Future<Boolean>> pair) throws Exception {
    AtomicLong pairs = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    Latencies latencies = new Latencies(total + CALLERS);
    List<Future<Void>> loops = new ArrayList<>();
    long started = System.nanoTime();
    for (int caller = 0; caller < CALLERS; caller++) {
      Context context = vertx.getOrCreateContext();
      Promise<Void> done = Promise.promise();
      int index = caller;
      context.runOnContext(v -> loop(vertx, index, total, pair, pairs, refused, latencies, done));
      loops.add(done.future());
    }
    BenchSupport.await(Future.all(loops));
    return new Result(pairs.get(), refused.get(), (System.nanoTime() - started) / 1e9, latencies);
  }

  private static void loop(Vertx vertx, int caller, int total, IntFunction<Future<Boolean>> pair, AtomicLong pairs,
                           AtomicLong refused, Latencies latencies, Promise<Void> done) {
    if (pairs.get() >= total) {
      done.tryComplete();
      return;
    }
    long t0 = System.nanoTime();
    pair.apply(caller).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      if (ar.result()) {
        latencies.record(System.nanoTime() - t0);
        pairs.incrementAndGet();
        loop(vertx, caller, total, pair, pairs, refused, latencies, done);
      } else {
        // Refused at the limit: a client tries again a while later (here one hold), not at once; a
        // caller that retried at once measured how fast refusals go (125,000/s), not admission.
        refused.incrementAndGet();
        vertx.setTimer(HOLD_MILLIS, t -> loop(vertx, caller, total, pair, pairs, refused, latencies, done));
      }
    });
  }
}
