package io.feedbus.store.rethinkdb;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletableFuture;

/** Driver results as Vert.x futures, completed on the caller's context with feedbus errors. */
final class RethinkDbFutures {

  private RethinkDbFutures() {
  }

  static <T> Future<T> bridge(Context context, String operation, CompletableFuture<T> result) {
    Promise<T> promise = Promise.promise();
    result.whenComplete((value, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        promise.fail(RethinkDbErrors.toFeedbus(operation, failure));
      } else {
        promise.complete(value);
      }
    }));
    return promise.future();
  }

  /** A count from a write summary ({@code deleted}, {@code errors}, ...); absent is 0. */
  static long number(Object value) {
    return value instanceof Number ? ((Number) value).longValue() : 0L;
  }
}
