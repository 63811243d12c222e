package io.feedbus.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Event;
import io.feedbus.store.EventLog;
import io.feedbus.store.EventLogContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine contract on the embedded engine, plus what only a local file can show. */
class EmbeddedEventLogTest extends EventLogContract {

  @TempDir
  Path dir;

  @Override
  protected Future<EventLog> openLog(Vertx vertx) {
    return EmbeddedEventLog.open(vertx, dir, true, "node-1").map(log -> log);
  }

  @Override
  protected Future<EventLog> reopenLog(Vertx vertx, java.util.function.LongSupplier wallClock) {
    return EmbeddedEventLog.open(vertx, dir, true, "node-1", wallClock).map(log -> log);
  }

  @Test
  void acknowledgedEventsSurviveAnAbruptCloseAndReopen(Vertx vertx) throws Exception {
    List<Event> batch = IntStream.range(0, 200).mapToObj(i -> event("durable", i)).collect(Collectors.toList());
    for (int i = 0; i < batch.size(); i += 20) {
      await(log.append(batch.subList(i, i + 20)));
    }
    await(((EmbeddedEventLog) log).closeAbruptly());
    log = await(EmbeddedEventLog.open(vertx, dir, true, "node-1"));
    List<Event> read = await(log.readAfter("durable", null, 1000));
    assertThat(read.stream().map(Event::id)).containsExactlyElementsOf(batch.stream().map(Event::id).collect(Collectors.toList()));
    assertThat(await(log.latest())).isEqualTo(batch.get(199).cursor());
  }

  @Test
  void aStoreWrittenWithStringValuesIsMovedToByteValuesOnOpenAndReadsTheSame(Vertx vertx) throws Exception {
    Path legacyDir = dir.resolve("legacy");
    java.nio.file.Files.createDirectories(legacyDir);
    // As stores were written before byte values: JSON strings in "topics"; non-ASCII text included.
    List<Event> events = IntStream.range(0, 1_234)
        .mapToObj(i -> new Event(io.feedbus.event.Cursor.parse(String.format("%013d-%06d-0000abcd", 1_700_000_000_000L + i / 100, i % 100)),
            "legacy-" + (i % 3), new io.vertx.core.json.JsonObject().put("n", i).put("text", "caf\u00e9 \u20ac \ud83d\ude00"),
            java.util.Map.of(), "node-1", true))
        .collect(Collectors.toList());
    org.h2.mvstore.MVStore old = new org.h2.mvstore.MVStore.Builder().fileName(legacyDir.resolve("events.mv.db").toString()).open();
    org.h2.mvstore.MVMap<String, String> strings = old.openMap(EmbeddedEventLog.LEGACY_EVENTS_MAP);
    org.h2.mvstore.MVMap<String, String> timeline = old.openMap("timeline");
    for (Event e : events) {
      strings.put(e.topic() + '\u0000' + e.id(), e.encode());
      timeline.put(e.id(), e.topic());
    }
    // A copy cut short by a crash: some events in the new map already, the old map whole.
    org.h2.mvstore.MVMap<String, byte[]> partial = old.openMap(EmbeddedEventLog.EVENTS_MAP, new org.h2.mvstore.MVMap.Builder<String, byte[]>()
        .keyType(org.h2.mvstore.type.StringDataType.INSTANCE).valueType(org.h2.mvstore.type.ByteArrayDataType.INSTANCE));
    for (Event e : events.subList(0, 100)) {
      partial.put(e.topic() + '\u0000' + e.id(), e.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    old.close();

    EmbeddedEventLog migrated = await(EmbeddedEventLog.open(vertx, legacyDir, true, "node-1"));
    try {
      for (int t = 0; t < 3; t++) {
        String topic = "legacy-" + t;
        List<String> expected = events.stream().filter(e -> e.topic().equals(topic)).map(Event::encode).collect(Collectors.toList());
        assertThat(await(migrated.readAfter(topic, null, 10_000)).stream().map(Event::encode)).containsExactlyElementsOf(expected);
      }
      assertThat(await(migrated.readAllAfter(null, 10_000)).stream().map(Event::encode))
          .containsExactlyElementsOf(events.stream().map(Event::encode).collect(Collectors.toList()));
      // New events go on after the migrated ones.
      Event next = new Event(migrated.clock().next(), "legacy-0", 1, java.util.Map.of(), "node-1", true);
      await(migrated.append(List.of(next)));
      assertThat(await(migrated.latest())).isEqualTo(next.cursor());
    } finally {
      await(migrated.close());
    }
    org.h2.mvstore.MVStore reopened = new org.h2.mvstore.MVStore.Builder().fileName(legacyDir.resolve("events.mv.db").toString()).readOnly().open();
    try {
      assertThat(reopened.hasMap(EmbeddedEventLog.LEGACY_EVENTS_MAP)).as("the old map is gone").isFalse();
    } finally {
      reopened.close();
    }
  }

  @Test
  void pagesReadAcrossTheIndexAndTheJournalTail() throws Exception {
    EmbeddedEventLog embedded = (EmbeddedEventLog) log;
    List<Event> events = IntStream.range(0, 30).mapToObj(i -> event("seam", i)).collect(Collectors.toList());
    await(log.append(events.subList(0, 10)));
    await(embedded.indexNow());
    assertThat(embedded.tailSize()).isZero();
    await(log.append(events.subList(10, 20)));
    await(log.append(events.subList(20, 30)));
    assertThat(embedded.tailSize()).isEqualTo(20);
    List<String> paged = new java.util.ArrayList<>();
    io.feedbus.event.Cursor after = null;
    for (List<Event> page = await(log.readAfter("seam", null, 7)); !page.isEmpty(); page = await(log.readAfter("seam", after, 7))) {
      page.forEach(e -> paged.add(e.id()));
      after = page.get(page.size() - 1).cursor();
    }
    List<String> expected = events.stream().map(Event::id).collect(Collectors.toList());
    assertThat(paged).containsExactlyElementsOf(expected);
    assertThat(await(log.readAllAfter(events.get(5).cursor(), 100)).stream().map(Event::id))
        .containsExactlyElementsOf(expected.subList(6, 30));
    assertThat(await(log.latest())).isEqualTo(events.get(29).cursor());
    List<String> backwards = new java.util.ArrayList<>();
    io.feedbus.event.Cursor before = null;
    EventLog.Page page;
    do {
      page = await(log.readBefore("seam", before, 7, Long.MAX_VALUE));
      List<String> ids = page.events().stream().map(Event::id).collect(Collectors.toList());
      backwards.addAll(0, ids);
      before = page.events().get(0).cursor();
    } while (page.full());
    assertThat(backwards).containsExactlyElementsOf(expected);
  }

  @Test
  void aTornJournalRecordIsCutOnOpenAndEveryAcknowledgedEventStays(Vertx vertx) throws Exception {
    List<Event> events = IntStream.range(0, 50).mapToObj(i -> event("torn", i)).collect(Collectors.toList());
    await(log.append(events));
    await(((EmbeddedEventLog) log).closeAbruptly());
    Path journal = dir.resolve("journal");
    Path last;
    try (var files = java.nio.file.Files.list(journal)) {
      last = files.sorted().reduce((a, b) -> b).orElseThrow();
    }
    java.nio.file.Files.write(last, new byte[] {0, 0, 1, 0, 7, 7, 7, 7, 1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    log = await(EmbeddedEventLog.open(vertx, dir, true, "node-1"));
    assertThat(await(log.readAfter("torn", null, 100)).stream().map(Event::id))
        .containsExactlyElementsOf(events.stream().map(Event::id).collect(Collectors.toList()));
    Event later = event("torn", 50);
    await(log.append(List.of(later)));
    assertThat(await(log.latest())).isEqualTo(later.cursor());
  }

  @Test
  void aReaderFollowingTheHeadNeverMissesAnEventWhileTheTailIsIndexed(Vertx vertx) throws Exception {
    await(log.close());
    log = await(EmbeddedEventLog.open(vertx, dir.resolve("racing"), false, "node-1", System::currentTimeMillis, 1));
    int total = 3000;
    java.util.concurrent.CompletableFuture<Void> written = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        for (int i = 0; i < total; i += 10) {
          int first = i;
          await(log.append(IntStream.range(first, first + 10).mapToObj(n -> event("race", n)).collect(Collectors.toList())));
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    int next = 0;
    io.feedbus.event.Cursor after = null;
    while (next < total) {
      List<Event> page = await(log.readAfter("race", after, 50));
      for (Event e : page) {
        assertThat(e.payload()).as("the event after %s", after).isEqualTo(next);
        next++;
        after = e.cursor();
      }
      if (written.isCompletedExceptionally()) {
        written.join();
      }
    }
    written.get(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * A verticle that undeploys while its appends are being written (what every shutdown does) must
   * not break the file: Vert.x interrupts ordered blocking tasks of a closing context, and an
   * interrupted FileChannel write closes the channel for good.
   */
  @Test
  void aPublisherThatUndeploysMidWriteLeavesTheStoreWritable(Vertx vertx) throws Exception {
    List<Future<Void>> appends = new java.util.concurrent.CopyOnWriteArrayList<>();
    String deployment = await(vertx.deployVerticle(new io.vertx.core.AbstractVerticle() {
      @Override
      public void start() {
        vertx.setPeriodic(1, id -> {
          List<Event> batch = IntStream.range(0, 50).mapToObj(i -> event("undeploy", i)).collect(Collectors.toList());
          appends.add(log.append(batch));
        });
      }
    }));
    for (int round = 0; round < 20 && appends.size() < 200; round++) {
      Thread.sleep(50);
    }
    await(vertx.undeploy(deployment));
    for (Future<Void> append : List.copyOf(appends)) {
      append.toCompletionStage().toCompletableFuture().handle((v, t) -> null).get();
    }
    long acknowledged = appends.stream().filter(Future::succeeded).count();
    await(log.append(List.of(event("undeploy", 9999))));
    await(log.close());
    log = await(EmbeddedEventLog.open(vertx, dir, true, "node-1"));
    assertThat(await(log.readAfter("undeploy", null, 100_000))).hasSize((int) (acknowledged * 50 + 1));
  }

  @Test
  void afterAFailedJournalForceNoWriteIsAcknowledgedAndReadersSeeNothingPastTheLastDurableEvent() throws Exception {
    Event durable = event("eio", 1);
    await(log.append(List.of(durable)));
    ((EmbeddedEventLog) log).failJournalForces(new java.io.IOException("Input/output error"));
    Throwable failed = log.append(List.of(event("eio", 2))).toCompletionStage().toCompletableFuture().handle((v, t) -> t).get();
    assertThat(failed).isInstanceOf(io.feedbus.event.FeedbusException.class)
        .hasMessageContaining("could not write its journal").hasMessageContaining("Input/output error");
    assertThat(((io.feedbus.event.FeedbusException) failed).code()).isEqualTo("store_unavailable");
    // The journal may now hold a torn record or lost pages: nothing more is acknowledged until a restart.
    Throwable later = log.append(List.of(event("eio", 3))).toCompletionStage().toCompletableFuture().handle((v, t) -> t).get();
    assertThat(later).hasMessageContaining("restart the node");
    assertThat(await(log.readAfter("eio", null, 10))).extracting(Event::id).containsExactly(durable.id());
    assertThat(await(log.latest())).isEqualTo(durable.cursor());
  }

  @Test
  void aClosedLogRefusesWritesWithStoreUnavailable() throws Exception {
    await(log.close());
    Throwable failure = log.append(List.of(event("x", 1))).toCompletionStage().toCompletableFuture()
        .handle((v, t) -> t).get();
    assertThat(failure).hasMessageContaining("closed");
    log = null;
  }
}
