package io.feedbus.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/** Polls a condition that has no event of its own (a count reached); callers bound the wait with their own time-out. */
public final class Waits {

  private Waits() {
  }

  /**
   * Waits on the calling (test) thread until {@code condition} holds, checking every 20 ms, for at
   * most a minute; the condition may block (it runs on the test thread, never on an event loop).
   */
  public static void poll(Vertx vertx, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the condition did not hold within a minute");
      }
      vertx.timer(20).toCompletionStage().toCompletableFuture().get();
    }
  }

  /** Completes once {@code condition} holds, checked every 20 ms (on an event loop: it must not block). */
  public static Future<Void> until(Vertx vertx, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    vertx.setPeriodic(20, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }
}
