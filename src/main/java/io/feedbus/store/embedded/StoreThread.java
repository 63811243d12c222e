package io.feedbus.store.embedded;

import io.feedbus.event.FeedbusException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

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
  /** The tasks of the open group, waiting for its end; on this thread only. */
  private final List<Consumer<Throwable>> grouped = new ArrayList<>();
  /** The open group's end, queued behind it; on this thread only. */
  private Callable<Void> groupEnd;

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
    return run(work, (result, answer) -> answer.accept(null));
  }

  /**
   * Runs {@code work} after everything submitted before it, and completes its future only after
   * {@code groupEnd} (a commit) has run on this thread after it. Consecutive grouped tasks share one
   * {@code groupEnd}: it is queued behind the first of them and runs once the tasks queued before it
   * are done, so a burst of writes pays for one commit. When {@code groupEnd} throws, every task of
   * its group fails with that.
   */
  <T> Future<T> submitGrouped(Callable<T> work, Callable<Void> groupEnd) {
    return run(work, (result, answer) -> {
      grouped.add(answer);
      if (grouped.size() == 1) {
        // A stopped thread takes no task: finish() ends the group itself before its last task.
        execute(() -> endGroup(groupEnd));
        this.groupEnd = groupEnd;
      }
    });
  }

  /**
   * Runs {@code work} on this thread; a failure answers the caller at once, a result goes to
   * {@code then} with the function that answers the caller (given null: success, else that failure).
   */
  private <T> Future<T> run(Callable<T> work, BiConsumer<T, Consumer<Throwable>> then) {
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
        then.accept(result, failure -> context.runOnContext(v -> {
          if (failure == null) {
            promise.complete(result);
          } else {
            promise.fail(failure);
          }
        }));
      });
    } catch (RejectedExecutionException stopped) {
      return Future.failedFuture(FeedbusException.storeUnavailable(name + " has stopped", null));
    }
    return promise.future();
  }

  /** On this thread: runs the group's end and completes (or fails) every task of the group. */
  private void endGroup(Callable<Void> end) {
    if (grouped.isEmpty()) {
      return;
    }
    List<Consumer<Throwable>> group = new ArrayList<>(grouped);
    grouped.clear();
    groupEnd = null;
    Throwable failure = null;
    try {
      end.call();
    } catch (Throwable e) {
      failure = e;
    }
    for (Consumer<Throwable> task : group) {
      task.accept(failure);
    }
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

  /** Runs {@code last} (after ending a group of {@link #submitGrouped} tasks still open), then lets the thread end; later submissions fail. */
  <T> Future<T> finish(Callable<T> last) {
    Future<T> done = submit(() -> {
      if (groupEnd != null) {
        endGroup(groupEnd);
      }
      return last.call();
    });
    executor.shutdown();
    return done;
  }
}
