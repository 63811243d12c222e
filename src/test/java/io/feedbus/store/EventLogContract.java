package io.feedbus.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour every {@link EventLog} engine must have. Each engine's test extends this class and
 * says how to open a fresh, empty log.
 */
@ExtendWith(VertxExtension.class)
public abstract class EventLogContract {

  protected EventLog log;
  private final AtomicLong fakeTime = new AtomicLong(1_700_000_000_000L);
  /** A clock the tests move by hand, so "same millisecond" and "older than" are exact. */
  protected final CursorClock clock = new CursorClock("contract-node", fakeTime::get);

  /** Opens a fresh, empty log for one test. */
  protected abstract Future<EventLog> openLog(Vertx vertx);

  /** Opens the same log again (same directory or database), as a restarted node would, with this wall clock. */
  protected abstract Future<EventLog> reopenLog(Vertx vertx, java.util.function.LongSupplier wallClock);

  @BeforeEach
  void open(Vertx vertx) throws Exception {
    log = openLog(vertx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    if (log != null) {
      log.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  protected Event event(String topic, Object payload) {
    return new Event(clock.next(), topic, payload, Map.of(), "contract-node", true);
  }

  /** An event stamped by the engine's own clock, as the publish path stamps them: what change streams see live. */
  protected Event liveEvent(String topic, Object payload) {
    return new Event(log.clock().next(), topic, payload, Map.of(), "contract-node", true);
  }

  protected void tick(long millis) {
    fakeTime.addAndGet(millis);
  }

  protected static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static List<Object> payloads(List<Event> events) {
    return events.stream().map(Event::payload).collect(Collectors.toList());
  }

  @Test
  void appendedEventsReadBackInCursorOrder() throws Exception {
    List<Event> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tick(1);
      batch.add(event("orders", i));
    }
    await(log.append(batch));
    List<Event> read = await(log.readAfter("orders", null, 100));
    assertThat(payloads(read)).containsExactly(0, 1, 2, 3, 4);
    assertThat(read.get(0).toJson()).isEqualTo(batch.get(0).toJson());
  }

  @Test
  void readAfterIsStrictlyAfterTheCursor() throws Exception {
    List<Event> batch = List.of(event("t", "a"), event("t", "b"), event("t", "c"));
    await(log.append(batch));
    assertThat(payloads(await(log.readAfter("t", batch.get(0).cursor(), 100)))).containsExactly("b", "c");
    assertThat(await(log.readAfter("t", batch.get(2).cursor(), 100))).isEmpty();
  }

  @Test
  void readAfterHonoursTheLimitAndPagesOnWithoutGaps() throws Exception {
    List<Event> batch = IntStream.range(0, 25).mapToObj(i -> event("paged", i)).collect(Collectors.toList());
    await(log.append(batch));
    List<Object> seen = new ArrayList<>();
    Cursor after = null;
    while (true) {
      List<Event> page = await(log.readAfter("paged", after, 10));
      assertThat(page.size()).isLessThanOrEqualTo(10);
      if (page.isEmpty()) {
        break;
      }
      seen.addAll(payloads(page));
      after = page.get(page.size() - 1).cursor();
    }
    assertThat(seen).containsExactlyElementsOf(IntStream.range(0, 25).boxed().collect(Collectors.toList()));
  }

  @Test
  void aPageStopsAtItsByteBoundAndSaysMoreFollow() throws Exception {
    List<Object> heavy = appendHeavyEvents("heavy");
    long maxBytes = roomForThreeAndAHalf(heavy);
    List<Object> seen = new ArrayList<>();
    Cursor after = null;
    while (true) {
      EventLog.Page page = await(log.readPage("heavy", after, 1000, maxBytes));
      assertThat(page.events().size()).isLessThanOrEqualTo(3);
      seen.addAll(payloads(page.events()));
      if (!page.full()) {
        break;
      }
      after = page.events().get(page.events().size() - 1).cursor();
    }
    assertThat(seen).containsExactlyElementsOf(heavy);
  }

  /** Appends twelve events of about 10 kB to the topic; returns their payloads in order. */
  private List<Object> appendHeavyEvents(String topic) throws Exception {
    String big = "x".repeat(10_000);
    List<Event> batch = IntStream.range(0, 12).mapToObj(i -> event(topic, big + i)).collect(Collectors.toList());
    await(log.append(batch));
    return payloads(batch);
  }

  /** A byte bound with room for three and a half of these payloads' events. */
  private long roomForThreeAndAHalf(List<Object> heavy) {
    long eventBytes = event("any", heavy.get(0)).toJson().encode().length();
    return 3 * eventBytes + eventBytes / 2;
  }

  @Test
  void aPageHoldsOneEventLargerThanItsByteBound() throws Exception {
    await(log.append(List.of(event("huge", "y".repeat(5_000)), event("huge", "z"))));
    EventLog.Page page = await(log.readPage("huge", null, 1000, 100));
    assertThat(payloads(page.events())).containsExactly("y".repeat(5_000));
    assertThat(page.full()).isTrue();
  }

  @Test
  void readBeforeWithoutACursorGivesTheNewestEventsOldestFirst() throws Exception {
    await(log.append(IntStream.range(0, 10).boxed()
        .flatMap(i -> java.util.stream.Stream.of(event("recent", i), event("recent.other", i))).collect(Collectors.toList())));
    EventLog.Page newest = await(log.readBefore("recent", null, 4, Long.MAX_VALUE));
    assertThat(payloads(newest.events())).containsExactly(6, 7, 8, 9);
    assertThat(newest.full()).as("older events exist").isTrue();
    assertThat(payloads(await(log.readBefore("recent", clock.next(), 4, Long.MAX_VALUE)).events()))
        .as("a cursor after every event reads the newest too")
        .containsExactly(6, 7, 8, 9);
  }

  @Test
  void readBeforePagesBackStrictlyBeforeTheCursorWithoutGapsUntilNothingOlderIsLeft() throws Exception {
    List<Event> batch = IntStream.range(0, 25).mapToObj(i -> event("back", i)).collect(Collectors.toList());
    await(log.append(batch));
    assertThat(pagesBack("back", 10, Long.MAX_VALUE)).containsExactly(
        IntStream.range(15, 25).boxed().collect(Collectors.toList()),
        IntStream.range(5, 15).boxed().collect(Collectors.toList()),
        IntStream.range(0, 5).boxed().collect(Collectors.toList()));
    assertThat(await(log.readBefore("back", batch.get(0).cursor(), 10, Long.MAX_VALUE)).events()).isEmpty();
  }

  /** Pages back through a topic with readBefore until nothing older is left: the pages' payloads, newest page first. */
  private List<List<Object>> pagesBack(String topic, int limit, long maxBytes) throws Exception {
    List<List<Object>> pages = new ArrayList<>();
    Cursor before = null;
    EventLog.Page page;
    do {
      page = await(log.readBefore(topic, before, limit, maxBytes));
      pages.add(payloads(page.events()));
      before = page.events().isEmpty() ? null : page.events().get(0).cursor();
    } while (page.full());
    return pages;
  }

  @Test
  void readBeforeWithALimitOfExactlyTheEventsLeftSaysNothingOlderIsLeft() throws Exception {
    await(log.append(List.of(event("exact", 1), event("exact", 2), event("exact", 3))));
    EventLog.Page page = await(log.readBefore("exact", null, 3, Long.MAX_VALUE));
    assertThat(payloads(page.events())).containsExactly(1, 2, 3);
    assertThat(page.full()).isFalse();
  }

  @Test
  void readBeforeStopsAtItsByteBoundAndHoldsOneEventLargerThanIt() throws Exception {
    List<Object> heavy = appendHeavyEvents("heavy.back");
    List<List<Object>> pages = pagesBack("heavy.back", 1000, roomForThreeAndAHalf(heavy));
    assertThat(pages).allSatisfy(page -> assertThat(page).hasSizeBetween(1, 3));
    List<Object> seen = new ArrayList<>();
    pages.forEach(page -> seen.addAll(0, page));
    assertThat(seen).containsExactlyElementsOf(heavy);
    assertThat(payloads(await(log.readBefore("heavy.back", null, 1000, 100)).events())).containsExactly(heavy.get(11));
  }

  @Test
  void readBeforeKeepsTopicsApartAndFindsNothingInAnEmptyOne() throws Exception {
    assertThat(await(log.readBefore("a", null, 100, Long.MAX_VALUE))).isEqualTo(new EventLog.Page(List.of(), false));
    await(log.append(List.of(event("a", 1), event("a.b", 2), event("ab", 3), event("a", 4), event("b", 5))));
    assertThat(payloads(await(log.readBefore("a", null, 100, Long.MAX_VALUE)).events())).containsExactly(1, 4);
    assertThat(payloads(await(log.readBefore("ab", null, 100, Long.MAX_VALUE)).events())).containsExactly(3);
    assertThat(await(log.readBefore("missing", null, 100, Long.MAX_VALUE))).isEqualTo(new EventLog.Page(List.of(), false));
  }

  @Test
  void eventsInTheSameMillisecondKeepDistinctOrderedCursors() throws Exception {
    List<Event> batch = IntStream.range(0, 50).mapToObj(i -> event("burst", i)).collect(Collectors.toList());
    assertThat(batch.stream().map(Event::ts).distinct()).hasSize(1);
    await(log.append(batch));
    List<Event> read = await(log.readAfter("burst", null, 100));
    assertThat(payloads(read)).containsExactlyElementsOf(IntStream.range(0, 50).boxed().collect(Collectors.toList()));
    assertThat(read.stream().map(Event::id).distinct()).hasSize(50);
  }

  @Test
  void topicsDoNotLeakIntoEachOther() throws Exception {
    await(log.append(List.of(event("a", 1), event("a.b", 2), event("ab", 3), event("a", 4))));
    assertThat(payloads(await(log.readAfter("a", null, 100)))).containsExactly(1, 4);
    assertThat(payloads(await(log.readAfter("a.b", null, 100)))).containsExactly(2);
    assertThat(payloads(await(log.readAfter("missing", null, 100)))).isEmpty();
  }

  @Test
  void topicsOfTheLongestNamesSharingAPrefixStayApartInEveryRead() throws Exception {
    String prefix = "p".repeat(io.feedbus.event.Topic.MAX_LENGTH - 1);
    String one = prefix + "1";
    String two = prefix + "2";
    Event first = event(one, 1);
    await(log.append(List.of(first, event(two, 2), event(one, 3), event(two, 4))));
    assertThat(payloads(await(log.readAfter(one, null, 100)))).containsExactly(1, 3);
    assertThat(payloads(await(log.readAfter(two, null, 100)))).containsExactly(2, 4);
    assertThat(await(log.readPage(one, first.cursor(), 100, Long.MAX_VALUE)).events()).extracting(Event::payload).containsExactly(3);
    assertThat(await(log.readBefore(two, null, 100, Long.MAX_VALUE)).events()).extracting(Event::topic).containsOnly(two);
    assertThat(payloads(await(log.readAllAfter(null, 100)))).containsExactly(1, 2, 3, 4);
    assertThat(await(log.purge(one))).isEqualTo(2L);
    assertThat(payloads(await(log.readAfter(two, null, 100)))).containsExactly(2, 4);
  }

  @Test
  void readSinceReturnsEventsAtOrAfterTheTimestamp() throws Exception {
    Event early = event("s", "early");
    tick(1000);
    Event atBoundary = event("s", "boundary");
    Event sameMs = event("s", "same-ms");
    tick(5);
    Event late = event("s", "late");
    await(log.append(List.of(early, atBoundary, sameMs, late)));
    assertThat(payloads(await(log.readSince("s", atBoundary.ts(), 100)))).containsExactly("boundary", "same-ms", "late");
    assertThat(payloads(await(log.readSince("s", late.ts() + 1, 100)))).isEmpty();
  }

  @Test
  void readAllAfterSpansTopicsInCursorOrder() throws Exception {
    Event first = event("x", 1);
    await(log.append(List.of(first, event("y", 2), event("x", 3))));
    assertThat(payloads(await(log.readAllAfter(null, 100)))).containsExactly(1, 2, 3);
    assertThat(payloads(await(log.readAllAfter(first.cursor(), 100)))).containsExactly(2, 3);
    assertThat(payloads(await(log.readAllAfter(first.cursor(), 1)))).containsExactly(2);
  }

  @Test
  void latestIsNullWhenEmptyThenTheNewestCursor() throws Exception {
    assertThat(await(log.latest())).isNull();
    Event first = event("l", 1);
    Event last = event("l", 2);
    await(log.append(List.of(first, last)));
    assertThat(await(log.latest())).isEqualTo(last.cursor());
  }

  @Test
  void payloadsOfEveryJsonKindAndHeadersRoundTrip() throws Exception {
    Event object = new Event(clock.next(), "kinds", new JsonObject().put("n", 1).put("nested", new JsonObject().put("ok", true)),
        Map.of("trace", "abc"), "contract-node", true);
    Event array = event("kinds", new io.vertx.core.json.JsonArray().add(1).add("two"));
    Event string = event("kinds", "text \u00e9\u4e2d");
    Event number = event("kinds", 3.5);
    Event nul = event("kinds", null);
    await(log.append(List.of(object, array, string, number, nul)));
    List<Event> read = await(log.readAfter("kinds", null, 10));
    assertThat(read.stream().map(Event::toJson)).containsExactly(object.toJson(), array.toJson(), string.toJson(), number.toJson(), nul.toJson());
    assertThat(read.get(0).headers()).containsEntry("trace", "abc");
  }

  @Test
  void cursorsContinueAfterTheNewestStoredEventWhenTheClockStepsBackAcrossARestart(Vertx vertx) throws Exception {
    List<Event> before = IntStream.range(0, 50).mapToObj(i -> liveEvent("restart", i)).collect(Collectors.toList());
    await(log.append(before));
    await(log.close());
    log = null;
    log = await(reopenLog(vertx, () -> System.currentTimeMillis() - 600_000));
    List<Event> after = IntStream.range(50, 100).mapToObj(i -> liveEvent("restart", i)).collect(Collectors.toList());
    assertThat(after.get(0).cursor()).isGreaterThan(before.get(before.size() - 1).cursor());
    await(log.append(after));
    List<Event> read = await(log.readAfter("restart", null, 200));
    assertThat(payloads(read)).containsExactlyElementsOf(IntStream.range(0, 100).boxed().collect(Collectors.toList()));
    assertThat(payloads(await(log.readAfter("restart", before.get(before.size() - 1).cursor(), 200))))
        .as("a subscriber at its last cursor sees what was published after the restart")
        .containsExactlyElementsOf(IntStream.range(50, 100).boxed().collect(Collectors.toList()));
  }

  @Test
  void payloadsReadBackExactlyAsPublished() throws Exception {
    JsonObject deep = new JsonObject().put("leaf", 1);
    for (int i = 0; i < 150; i++) {
      deep = new JsonObject().put("d", deep);
    }
    JsonObject payload = new JsonObject()
        .put("zero", 0)
        .put("int", 42)
        .put("negative", -7)
        .put("beyond2pow53", 9_007_199_254_740_993L)
        .put("double", 0.1)
        .put("large", 1e300)
        .put("reqlType", new JsonObject().put("$reql_type$", "TIME").put("epoch_time", 1))
        .put("empty", new JsonObject())
        .put("none", new io.vertx.core.json.JsonArray())
        .put("dotted.key", "v")
        .put("deep", deep);
    Event event = event("parity", payload);
    await(log.append(List.of(event)));
    Event read = await(log.readAfter("parity", null, 10)).get(0);
    JsonObject back = (JsonObject) read.payload();
    assertThat(back.encode()).isEqualTo(payload.encode());
    assertThat(back.getValue("zero")).isInstanceOf(Integer.class).isEqualTo(0);
    assertThat(back.getValue("int")).isInstanceOf(Integer.class);
    assertThat(back.getValue("beyond2pow53")).isEqualTo(9_007_199_254_740_993L);
    assertThat(back.getValue("double")).isEqualTo(0.1);
    assertThat(read.toJson()).isEqualTo(event.toJson());
    assertThat(new JsonObject().put("n", 0)).isEqualTo(((JsonObject) event("n", new JsonObject().put("n", 0)).payload()));
  }

  @Test
  void readEventsEncodeAsTheTextOfThePublishedEvents() throws Exception {
    // What HTTP history, SSE and history pages write for each event: the published event's JSON, byte for byte.
    Event withHeader = new Event(clock.next(), "text", new JsonObject().put("b", 1).put("a", new io.vertx.core.json.JsonArray().add(0.5)),
        Map.of("trace", "abc"), "contract-node", true);
    Event bare = new Event(clock.next(), "text", "caf\u00e9 \"quoted\"", Map.of(), null, false);
    await(log.append(List.of(withHeader, bare)));
    List<Event> read = await(log.readAfter("text", null, 10));
    assertThat(read.stream().map(Event::encode)).containsExactly(withHeader.toJson().encode(), bare.toJson().encode());
    assertThat(await(log.readBefore("text", null, 10, Long.MAX_VALUE)).events().stream().map(Event::encode))
        .containsExactly(withHeader.toJson().encode(), bare.toJson().encode());
    assertThat(await(log.readAllAfter(null, 10)).stream().map(Event::encode))
        .containsExactly(withHeader.toJson().encode(), bare.toJson().encode());
  }

  @Test
  void appendingACursorTwiceFailsAndNeverOverwrites() throws Exception {
    Event event = event("dup", "first");
    await(log.append(List.of(event)));
    Event sameCursor = new Event(event.cursor(), "dup", "second", null, "contract-node", true);
    Event other = event("dup", "other");
    Throwable failure = log.append(List.of(sameCursor, other)).toCompletionStage().toCompletableFuture()
        .handle((v, t) -> t).get(30, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(io.feedbus.event.FeedbusException.class);
    assertThat(((io.feedbus.event.FeedbusException) failure).code()).isEqualTo(io.feedbus.event.FeedbusException.CURSOR_TAKEN);
    assertThat(failure).isInstanceOf(PartialAppendException.class);
    assertThat(((PartialAppendException) failure).stored(other)).as("the other event of the batch is stored").isTrue();
    assertThat(((PartialAppendException) failure).stored(sameCursor)).isFalse();
    assertThat(payloads(await(log.readAfter("dup", null, 10)))).containsExactly("first", "other");
  }

  @Test
  void deleteRemovesOnlyTheGivenEvents() throws Exception {
    Event keep = event("d", "keep");
    Event transientEvent = new Event(clock.next(), "d", "gone", Map.of(), "contract-node", false);
    await(log.append(List.of(keep, transientEvent)));
    await(log.delete(List.of(transientEvent)));
    assertThat(payloads(await(log.readAfter("d", null, 10)))).containsExactly("keep");
    assertThat(payloads(await(log.readAllAfter(null, 10)))).containsExactly("keep");
  }

  @Test
  void purgeEmptiesOneTopicAndCountsWhatItRemoved() throws Exception {
    await(log.append(List.of(event("p", 1), event("other", 2), event("p", 3))));
    assertThat(await(log.purge("p"))).isEqualTo(2L);
    assertThat(await(log.readAfter("p", null, 10))).isEmpty();
    assertThat(payloads(await(log.readAfter("other", null, 10)))).containsExactly(2);
    assertThat(await(log.purge("p"))).isEqualTo(0L);
  }

  @Test
  void trimRemovesEventsOlderThanTheTimestampAcrossTopics() throws Exception {
    Event old1 = event("r", "old");
    Event old2 = event("q", "old");
    tick(60_000);
    Event fresh = event("r", "fresh");
    await(log.append(List.of(old1, old2, fresh)));
    assertThat(await(log.trim(fresh.ts()))).isEqualTo(2L);
    assertThat(payloads(await(log.readAllAfter(null, 10)))).containsExactly("fresh");
  }

  @Test
  void changeStreamFromACursorDeliversStoredThenLiveEventsOnceInOrder(Vertx vertx, VertxTestContext test) throws Exception {
    Event before = event("c", 0);
    List<Event> stored = List.of(event("c", 1), event("c", 2));
    await(log.append(List.of(before)));
    await(log.append(stored));
    List<Event> live = IntStream.range(3, 103).mapToObj(i -> liveEvent("c", i)).collect(Collectors.toList());
    List<Object> received = new ArrayList<>();
    log.changes(before.cursor(), received(test, received, 102))
        .compose(stream -> appendOneByOne(live))
        .onFailure(test::failNow);
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    assertThat(received).containsExactlyElementsOf(IntStream.range(1, 103).boxed().collect(Collectors.toList()));
    if (test.failed()) {
      throw new AssertionError(test.causeOfFailure());
    }
  }

  @Test
  void changeStreamWithoutCursorStartsAfterTheNewestEvent(Vertx vertx, VertxTestContext test) throws Exception {
    await(log.append(List.of(event("n", "old"))));
    List<Object> received = new ArrayList<>();
    log.changes(null, received(test, received, 1))
        .compose(stream -> log.append(List.of(liveEvent("n", "new"))))
        .onFailure(test::failNow);
    assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    assertThat(received).containsExactly("new");
  }

  @Test
  void closedChangeStreamStopsDelivering(Vertx vertx, VertxTestContext test) throws Exception {
    List<Object> received = new ArrayList<>();
    ChangeStream stream = await(log.changes(null, e -> received.add(e.payload())));
    await(stream.close());
    await(log.append(List.of(liveEvent("z", 1))));
    // Give a (wrongly) still-open stream the time to deliver before asserting it did not.
    vertx.setTimer(300, id -> test.verify(() -> {
      assertThat(received).isEmpty();
      test.completeNow();
    }));
    assertThat(test.awaitCompletion(10, TimeUnit.SECONDS)).isTrue();
  }

  private Future<Void> appendOneByOne(List<Event> events) {
    Future<Void> chain = Future.succeededFuture();
    for (Event e : events) {
      chain = chain.compose(v -> log.append(List.of(e)));
    }
    return chain;
  }

  private static ChangeListener received(VertxTestContext test, List<Object> sink, int expected) {
    return event -> {
      sink.add(event.payload());
      if (sink.size() == expected) {
        test.completeNow();
      } else if (sink.size() > expected) {
        test.failNow("more events than expected: " + sink);
      }
    };
  }
}
