package io.feedbus.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Grouped tasks: answered only after a group end ran after them, one end per burst. */
class StoreThreadTest {

  private Vertx vertx;
  private StoreThread thread;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    thread = new StoreThread(vertx, "store-thread-test");
  }

  @AfterEach
  void stop() throws Exception {
    thread.shutdown();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aBurstOfGroupedTasksSharesOneEndAndEachIsAnsweredAfterIt() throws Exception {
    // Hold the thread so that the whole burst is queued behind one task.
    CountDownLatch hold = new CountDownLatch(1);
    thread.execute(() -> await(hold));
    AtomicInteger ends = new AtomicInteger();
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int task = i;
      // Each task's answer is the number of ends run when it was answered: the end must have run after it.
      answers.add(thread.submitGrouped(() -> task, () -> {
        ends.incrementAndGet();
        return null;
      }).map(t -> ends.get()));
    }
    hold.countDown();
    for (Future<Integer> answer : answers) {
      Integer endsRun = get(answer);
      assertThat(endsRun).isEqualTo(1);
    }
    assertThat(ends).hasValue(1);

    // The next burst gets an end of its own.
    Future<Integer> next = thread.submitGrouped(() -> 1, () -> {
      ends.incrementAndGet();
      return null;
    });
    Integer endsRun = get(next.map(t -> ends.get()));
    assertThat(endsRun).isEqualTo(2);
  }

  @Test
  void aFailedEndFailsEveryTaskOfItsGroupAndAFailedTaskOnlyItself() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    thread.execute(() -> await(hold));
    java.util.concurrent.Callable<Void> failingEnd = () -> {
      throw new IllegalStateException("commit failed");
    };
    Future<Integer> first = thread.submitGrouped(() -> 1, failingEnd);
    Future<Integer> broken = thread.submitGrouped(() -> {
      throw new IllegalArgumentException("work failed");
    }, failingEnd);
    Future<Integer> second = thread.submitGrouped(() -> 2, failingEnd);
    hold.countDown();
    assertThatThrownBy(() -> get(first)).hasMessageContaining("commit failed");
    assertThatThrownBy(() -> get(second)).hasMessageContaining("commit failed");
    assertThatThrownBy(() -> get(broken)).hasMessageContaining("work failed");
  }

  @Test
  void finishEndsAGroupStillOpenBeforeItsLastTask() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    thread.execute(() -> await(hold));
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    Future<String> write = thread.submitGrouped(() -> "written", () -> {
      order.add("end");
      return null;
    });
    // Queued behind the write, before the group's end could be: the end must still run first.
    Future<String> last = thread.finish(() -> {
      order.add("last");
      return "closed";
    });
    hold.countDown();
    String written = get(write);
    String closed = get(last);
    assertThat(written).isEqualTo("written");
    assertThat(closed).isEqualTo("closed");
    assertThat(order).containsExactly("end", "last");
    Future<Integer> afterFinish = thread.submitGrouped(() -> 1, () -> null);
    assertThatThrownBy(() -> get(afterFinish)).hasMessageContaining("has stopped");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T get(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
  }
}
