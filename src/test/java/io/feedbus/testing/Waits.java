package io.feedbus.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/** Polls a condition that has no event of its own (a count reached); callers bound the wait with their own time-out. */
public final class Waits {

  private Waits() {
  }

  /** Completes once {@code condition} holds, checked every 20 ms. */
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
