package io.feedbus.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.feedbus.event.Cursor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Group commit: no waiting when idle, one write for what queued meanwhile, bounded, drains. */
@org.junit.jupiter.api.extension.ExtendWith(io.vertx.junit5.VertxExtension.class)
class GroupCommitterTest {

  /** An engine whose writes complete only when the test says so, recording each batch. */
  static final class ManualLog implements EventLog {
    final List<List<Event>> batches = new ArrayList<>();
    final List<Promise<Void>> writes = new ArrayList<>();
    final CursorClock clock = new CursorClock("n");

    @Override public Future<Void> append(List<Event> events) {
      batches.add(events);
      Promise<Void> p = Promise.promise();
      writes.add(p);
      return p.future();
    }
    @Override public Future<List<Event>> readAfter(String topic, Cursor after, int limit) { return Future.succeededFuture(List.of()); }
    @Override public Future<Page> readPage(String topic, Cursor after, int limit, long maxBytes) { return Future.succeededFuture(new Page(List.of(), false)); }
    @Override public Future<Page> readBefore(String topic, Cursor before, int limit, long maxBytes) { return Future.succeededFuture(new Page(List.of(), false)); }
    @Override public Future<List<Event>> readAllAfter(Cursor after, int limit) { return Future.succeededFuture(List.of()); }
    @Override public Future<Cursor> latest() { return Future.succeededFuture(); }
    @Override public Future<ChangeStream> changes(Cursor from, ChangeListener listener) { return Future.failedFuture("not used"); }
    @Override public Future<Void> delete(List<Event> events) { return Future.succeededFuture(); }
    @Override public Future<Long> purge(String topic) { return Future.succeededFuture(0L); }
    @Override public Future<Long> trim(long olderThanTs) { return Future.succeededFuture(0L); }
    @Override public boolean sharedAcrossNodes() { return false; }
    @Override public CursorClock clock() { return clock; }
    @Override public Future<Void> close() { return Future.succeededFuture(); }
  }

  private static PublishRequest request(int n) {
    return new PublishRequest("t", n, Map.of(), true);
  }

  @Test
  void anIdleCommitterWritesAtOnceAndBatchesWhatArrivesDuringAWrite() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 100, 1000, GroupCommitter.Observer.NONE);
    Future<Event> first = committer.submit(request(0));
    assertThat(log.batches).hasSize(1);
    List<Future<Event>> queued = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      queued.add(committer.submit(request(i)));
    }
    assertThat(log.batches).hasSize(1);
    assertThat(first.isComplete()).isFalse();
    log.writes.get(0).complete();
    assertThat(first.succeeded()).isTrue();
    assertThat(log.batches).hasSize(2);
    assertThat(log.batches.get(1)).hasSize(10);
    assertThat(queued).noneMatch(Future::isComplete);
    log.writes.get(1).complete();
    assertThat(queued).allMatch(Future::succeeded);
  }

  @Test
  void batchesRespectTheMaximumSizeAndKeepCursorOrder() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 4, 1000, GroupCommitter.Observer.NONE);
    for (int i = 0; i < 9; i++) {
      committer.submit(request(i));
    }
    while (log.writes.size() > 0 && !log.writes.get(log.writes.size() - 1).future().isComplete()) {
      log.writes.get(log.writes.size() - 1).complete();
    }
    assertThat(log.batches).extracting(List::size).containsExactly(1, 4, 4);
    List<Event> all = new ArrayList<>();
    log.batches.forEach(all::addAll);
    assertThat(all).extracting(Event::payload).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(all).extracting(e -> e.cursor().value()).isSorted();
  }

  @Test
  void aFailedWriteFailsEveryPublishOfItsBatchAndTheNextBatchStillGoes() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 100, 1000, GroupCommitter.Observer.NONE);
    Future<Event> a = committer.submit(request(0));
    Future<Event> b = committer.submit(request(1));
    log.writes.get(0).fail(new RuntimeException("disk gone"));
    assertThat(a.failed()).isTrue();
    assertThat(((FeedbusException) a.cause()).code()).isEqualTo("store_unavailable");
    log.writes.get(1).complete();
    assertThat(b.succeeded()).isTrue();
  }

  @Test
  void aPartlyStoredWriteAcknowledgesExactlyTheStoredEventsAndSettlesEveryCursor() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 100, 1000, GroupCommitter.Observer.NONE);
    Future<Event> first = committer.submit(request(0));
    List<Future<Event>> batch = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      batch.add(committer.submit(request(i)));
    }
    log.writes.get(0).complete();
    List<Event> written = log.batches.get(1);
    FeedbusException rejected = new FeedbusException(500, "store_write_failed", "one event was refused");
    log.writes.get(1).fail(new io.feedbus.store.PartialAppendException(rejected,
        java.util.Set.of(written.get(0).id(), written.get(2).id())));
    assertThat(first.succeeded()).isTrue();
    assertThat(batch.get(0).succeeded()).isTrue();
    assertThat(batch.get(1).failed()).isTrue();
    assertThat(((FeedbusException) batch.get(1).cause()).code()).isEqualTo("store_write_failed");
    assertThat(batch.get(2).succeeded()).isTrue();
    // Nothing is held any more: the engine's frontier is free to pass the whole batch.
    assertThat(log.clock.frontier()).isGreaterThan(written.get(2).cursor());
  }

  @Test
  void afterAWriteTheNextWaitsForThePublishersItAcknowledged(io.vertx.core.Vertx vertx) throws Exception {
    ManualLog log = new ManualLog();
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    vertx.runOnContext(v -> {
      GroupCommitter committer = new GroupCommitter(log, "n", 100, 1000, GroupCommitter.Observer.NONE, vertx, 50);
      committer.submit(request(0));
      committer.submit(request(1));
      committer.submit(request(2));
      log.writes.get(0).complete(); // a write of one: that publisher alone does not hold the next write back
      assertThat(log.batches).hasSize(2);
      log.writes.get(1).complete(); // a write of two: the next one waits for two more publishes
      committer.submit(request(3));
      assertThat(log.batches).as("waiting for the second returning publisher").hasSize(2);
      committer.submit(request(4));
      assertThat(log.batches).hasSize(3);
      assertThat(log.batches.get(2)).hasSize(2);
      log.writes.get(2).complete();
      committer.submit(request(5)); // only one of two comes back: the delay bounds the wait
      vertx.setTimer(200, t -> {
        assertThat(log.batches).hasSize(4);
        done.complete(null);
      });
    });
    done.get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void aPublishWhoseCursorIsTakenIsWrittenAgainWithANewCursor() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 100, 1000, GroupCommitter.Observer.NONE);
    Future<Event> kept = committer.submit(request(0));
    Future<Event> a = committer.submit(request(1));
    Future<Event> b = committer.submit(request(2));
    log.writes.get(0).complete();
    List<Event> first = log.batches.get(1);
    FeedbusException taken = new FeedbusException(500, FeedbusException.CURSOR_TAKEN, "a cursor is taken");
    log.writes.get(1).fail(new io.feedbus.store.PartialAppendException(taken, java.util.Set.of(first.get(0).id())));
    assertThat(a.succeeded()).isTrue();
    assertThat(b.isComplete()).as("written again, not failed").isFalse();
    List<Event> retry = log.batches.get(2);
    assertThat(retry).extracting(Event::payload).containsExactly(2);
    assertThat(retry.get(0).cursor()).isGreaterThan(first.get(1).cursor());
    log.writes.get(2).complete();
    assertThat(b.result().cursor()).isEqualTo(retry.get(0).cursor());
    assertThat(kept.succeeded()).isTrue();
  }

  @Test
  void aFullQueueRefusesWithOverloadedInsteadOfGrowing() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 100, 3, GroupCommitter.Observer.NONE);
    committer.submit(request(0));
    committer.submit(request(1));
    committer.submit(request(2));
    committer.submit(request(3));
    Future<Event> refused = committer.submit(request(4));
    assertThat(refused.failed()).isTrue();
    assertThat(((FeedbusException) refused.cause()).code()).isEqualTo("overloaded");
    assertThat(committer.pending()).isEqualTo(3);
  }

  @Test
  void drainRefusesNewPublishesAndCompletesAfterTheAcceptedOnesAreWritten() {
    ManualLog log = new ManualLog();
    GroupCommitter committer = new GroupCommitter(log, "n", 100, 1000, GroupCommitter.Observer.NONE);
    Future<Event> accepted = committer.submit(request(0));
    Future<Event> queued = committer.submit(request(1));
    Future<Void> drained = committer.drain();
    Future<Event> late = committer.submit(request(2));
    assertThat(((FeedbusException) late.cause()).code()).isEqualTo("shutting_down");
    assertThat(drained.isComplete()).isFalse();
    log.writes.get(0).complete();
    assertThat(drained.isComplete()).isFalse();
    log.writes.get(1).complete();
    assertThat(accepted.succeeded() && queued.succeeded()).isTrue();
    assertThat(drained.succeeded()).isTrue();
  }
}
