package io.feedbus.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.Event;
import io.feedbus.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A seeded, bounded fault run: {@value #PUBLISHERS} publishers, {@value #SUBSCRIBERS} subscribers
 * that leave at random moments and resume after the last cursor they saw, and the node restarted
 * once mid-run (plus what each engine adds, e.g. a cut store connection). Every subscriber must end
 * with every acknowledged event exactly once, in cursor order (events whose publish failed may
 * appear too, once and in order: a failed write's outcome can be unknown).
 *
 * <p>The seed is random unless {@code -Dfeedbus.seed=N} is given; it is printed and named in every
 * assertion, so a failing run can be replayed with the same choices.
 */
public abstract class RandomizedFaultContract {

  static final int PUBLISHERS = 4;
  static final int SUBSCRIBERS = 3;
  static final int EVENTS = 2_400;
  private static final String TOPIC = "faults";

  protected Vertx vertx;
  private volatile Feedbus node;
  private final AtomicBoolean done = new AtomicBoolean();
  private final AtomicInteger failedAttempts = new AtomicInteger();
  /** Completed as the node's restart begins. */
  private volatile Promise<Void> restartBegun;
  /** The first event number that is published only once the restart began. */
  private volatile int gateAt;

  /** The node's configuration; the same for the restarted node (same directory or database, same node id). */
  protected abstract FeedbusOptions options() throws Exception;

  /** A fault of the engine's own, injected once at a random moment (none by default). */
  protected void engineFault(Random random) {
  }

  protected void cleanUp() throws Exception {
  }

  @AfterEach
  void stop() throws Exception {
    done.set(true);
    if (node != null) {
      await(node.close());
    }
    if (vertx != null) {
      await(vertx.close());
    }
    cleanUp();
  }

  @Test
  void everyAcknowledgedEventReachesEveryResumingSubscriberOnceInOrderThroughARestart() throws Exception {
    long seed = Long.getLong("feedbus.seed", System.nanoTime());
    String replay = "seed " + seed + " (replay with -Dfeedbus.seed=" + seed + ")";
    System.out.println("RandomizedFault " + getClass().getSimpleName() + ": " + replay);
    Random random = new Random(seed);
    vertx = Vertx.vertx();
    FeedbusOptions options = options();
    node = await(Feedbus.start(vertx, options));
    FeedbusClient client = FeedbusClient.create(vertx, 5_000);

    List<Resuming> subscribers = new ArrayList<>();
    for (int i = 0; i < SUBSCRIBERS; i++) {
      Resuming subscriber = new Resuming(client, new Random(random.nextLong()));
      subscribers.add(subscriber);
      subscriber.start();
    }
    // The restart and the engine's fault come after numbers of acknowledged events the seed chooses
    // (moments in time depend on the machine's speed: a fast run had published everything by then),
    // and publishes past restartAt + EVENTS / 4 wait for the restart to begin, so publishing goes on through it.
    int restartAt = EVENTS / 10 + random.nextInt(EVENTS * 2 / 5);
    int faultAt = EVENTS / 10 + random.nextInt(EVENTS * 3 / 5);
    Random faultRandom = new Random(random.nextLong());
    Promise<Void> restartDue = Promise.promise();
    Promise<Void> faultDue = Promise.promise();
    restartBegun = Promise.promise();
    gateAt = restartAt + EVENTS / 4;
    faultDue.future().onSuccess(v -> engineFault(faultRandom));
    List<String> acked = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> publishers = new ArrayList<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      publishers.add(publish(client, next, acked, ackCount -> {
        if (ackCount >= restartAt) {
          restartDue.tryComplete();
        }
        if (ackCount >= faultAt) {
          faultDue.tryComplete();
        }
      }));
    }
    await(restartDue.future());
    Feedbus old = node;
    node = null;
    int ackedAtRestart = acked.size();
    restartBegun.complete();
    await(old.close());
    await(vertx.timer(random.nextInt(300)));
    node = startAgain(options);

    await(Future.all(publishers));
    assertThat(acked).as(replay).hasSizeGreaterThanOrEqualTo(EVENTS);
    assertThat(ackedAtRestart).as(replay + ": the restart came while publishing went on").isLessThan(EVENTS);
    List<String> expected = acked.stream().sorted().collect(Collectors.toList());
    String last = expected.get(expected.size() - 1);
    for (Resuming subscriber : subscribers) {
      try {
        await(Waits.until(vertx, () -> subscriber.last() != null && subscriber.last().compareTo(last) >= 0));
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(replay + ": a subscriber stopped at " + subscriber.cursors.size() + " events, after "
            + subscriber.last() + " (its resumes: " + subscriber.log + "; last acknowledged " + last + ")", e);
      }
    }
    done.set(true);
    for (Resuming subscriber : subscribers) {
      List<String> seen = new ArrayList<>(subscriber.cursors);
      assertThat(seen).as(replay + ": delivered in cursor order, each once (resumes: " + subscriber.log + ")")
          .isSorted().doesNotHaveDuplicates();
      List<String> missing = expected.stream().filter(c -> !subscriber.cursors.contains(c)).collect(Collectors.toList());
      assertThat(missing).as(replay + ": acknowledged events a subscriber missed (of " + expected.size() + "; its resumes: "
          + subscriber.log + ")").isEmpty();
      assertThat(subscriber.resumes).as(replay + ": the subscriber left and came back").isGreaterThan(1);
    }
    System.out.println("RandomizedFault " + getClass().getSimpleName() + ": " + replay + ": " + acked.size() + " acknowledged, "
        + ackedAtRestart + " before the restart (due at " + restartAt + "), engine fault due at " + faultAt + ", "
        + failedAttempts.get() + " publish attempts failed and were made again, resumes per subscriber "
        + subscribers.stream().map(r -> r.resumes).collect(Collectors.toList()));
  }

  /** Starts the node again; a start that fails (the engine's fault may hit it) is tried again. */
  private Feedbus startAgain(FeedbusOptions options) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return await(Feedbus.start(vertx, options));
      } catch (Exception e) {
        if (attempt == 5) {
          throw e;
        }
        await(vertx.timer(200));
      }
    }
  }

  /**
   * Publishes until {@value #EVENTS} are acknowledged in all; a failed publish is published again as
   * a new event. Event {@link #gateAt} and later wait for the restart to begin; {@code onAck} hears
   * the number acknowledged so far.
   */
  private Future<Void> publish(FeedbusClient client, AtomicInteger next, List<String> acked, IntConsumer onAck) {
    int n = next.getAndIncrement();
    if (n >= EVENTS) {
      return Future.succeededFuture();
    }
    Future<Void> gate = n >= gateAt ? restartBegun.future() : Future.succeededFuture();
    return gate.compose(g -> attempt(client, n, acked, onAck)).compose(v -> publish(client, next, acked, onAck));
  }

  private Future<Void> attempt(FeedbusClient client, int n, List<String> acked, IntConsumer onAck) {
    return client.publish(TOPIC, new JsonObject().put("n", n)).transform(ar -> {
      if (ar.succeeded()) {
        int count;
        synchronized (acked) {
          acked.add(ar.result().cursor());
          count = acked.size();
        }
        onAck.accept(count);
        return Future.succeededFuture();
      }
      failedAttempts.incrementAndGet();
      // Down, restarting or draining: wait a little and publish again.
      return vertx.timer(20).compose(v -> attempt(client, n, acked, onAck));
    });
  }

  /** A subscriber that leaves at random moments (or when the node closes it) and resumes after its last cursor. */
  private final class Resuming {
    final List<String> cursors = Collections.synchronizedList(new ArrayList<>());
    private final FeedbusClient client;
    private final Random random;
    /** Below every cursor: the first subscription replays the topic from its start. */
    private volatile String last = "0000000000000-000000-00000000";
    private volatile Subscription current;
    /** Events this subscription delivered, and after how many it leaves (the run's speed does not decide how often). */
    private final AtomicInteger deliveredHere = new AtomicInteger();
    private volatile int leaveAfter;
    int resumes;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    Resuming(FeedbusClient client, Random random) {
      this.client = client;
      this.random = random;
    }

    String last() {
      return last;
    }

    void start() {
      if (done.get()) {
        return;
      }
      resumes++;
      String from = last;
      current = null;
      deliveredHere.set(0);
      leaveAfter = 1 + random.nextInt(EVENTS / 6);
      client.subscribe(TOPIC, from, this::onEvent).onComplete(ar -> {
        log.add((ar.succeeded() ? "from " : "refused from ") + from + (ar.failed() ? " (" + ar.cause().getMessage() + ")" : ""));
        if (ar.failed()) {
          vertx.setTimer(50, t -> start()); // the node is away: try again
          return;
        }
        current = ar.result();
        Subscription mine = current;
        mine.closed().onSuccess(reason -> {
          log.add("closed " + reason + " at " + last);
          vertx.setTimer(1 + random.nextInt(100), t -> start());
        });
        if (deliveredHere.get() >= leaveAfter) {
          mine.cancel(); // it delivered its share before the subscribe was answered
        }
        vertx.setTimer(100 + random.nextInt(700), t -> {
          if (current == mine) {
            mine.cancel(); // closed() completes with "cancelled": resumes from there
          }
        });
      });
    }

    private void onEvent(Event event) {
      cursors.add(event.cursor().value());
      last = event.cursor().value();
      Subscription mine = current;
      if (deliveredHere.incrementAndGet() == leaveAfter && mine != null) {
        vertx.runOnContext(v -> {
          if (current == mine) {
            mine.cancel();
          }
        });
      }
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
