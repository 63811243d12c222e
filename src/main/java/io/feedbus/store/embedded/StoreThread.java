package io.feedbus.store.embedded;

import io.feedbus.event.FeedbusException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * One platform thread that an embedded store owns and runs its file work on, one task at a time in
 * submission order; each result completes on the caller's Vert.x context.
 *
 * <p>Why not a Vert.x worker executor: Vert.x interrupts a running ordered blocking task when the
 * context that submitted it closes (a verticle undeploying during shutdown), and an interrupt in the
 * middle of a {@code FileChannel} write closes the channel for good: the MVStore then fails its final
 * commit with "Writing to FileChannel failed". Nothing but this class holds this thread, so nothing
 * interrupts it.
 */
final class StoreThread {

  private final Vertx vertx;
  private final String name;
  private final ExecutorService executor;

  StoreThread(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
    this.executor = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Runs {@code work} after everything submitted before it; the future completes on the caller's context. */
  <T> Future<T> submit(Callable<T> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    try {
      executor.execute(() -> {
        T result;
        try {
          result = work.call();
        } catch (Throwable failure) {
          context.runOnContext(v -> promise.fail(failure));
          return;
        }
        context.runOnContext(v -> promise.complete(result));
      });
    } catch (RejectedExecutionException stopped) {
      return Future.failedFuture(FeedbusException.storeUnavailable(name + " has stopped", null));
    }
    return promise.future();
  }

  /**
   * Runs {@code work} on this thread after everything submitted before it and waits for it: only for
   * another store thread (never an event loop), and never from this thread itself.
   */
  <T> T call(Callable<T> work) throws Exception {
    try {
      return executor.submit(work).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    } catch (RejectedExecutionException stopped) {
      throw FeedbusException.storeUnavailable(name + " has stopped", null);
    }
  }

  /** Runs {@code task} on this thread, after everything submitted before it; a stopped thread ignores it. */
  void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException stopped) {
      // closing: the close runs the last index pass itself
    }
  }

  /** Lets the thread end after what was submitted; later submissions fail. */
  void shutdown() {
    executor.shutdown();
  }

  /** Runs {@code last}, then lets the thread end; later submissions fail. */
  <T> Future<T> finish(Callable<T> last) {
    Future<T> done = submit(last);
    executor.shutdown();
    return done;
  }
}
