package io.feedbus.store.embedded;

import io.feedbus.event.Cursor;
import io.feedbus.event.CursorClock;
import io.feedbus.event.Event;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.feedbus.store.PartialAppendException;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.StoreStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The embedded engine: a write-ahead journal and an H2 MVStore index in a data directory, no server.
 *
 * <p>An append is one write of the batch's records to the {@link Journal} (and one fsync, unless
 * configured off) on the writer thread; then the batch joins the <em>tail</em>, the events written
 * but not yet in the index ({@link Tail}), and is acknowledged and offered to live listeners. An indexer thread
 * moves the tail into the MVStore in large batches ({@value #INDEX_BATCH} events, or
 * {@value #INDEX_DELAY_MILLIS} ms after the first), commits, and deletes the journal files it
 * covers. So an acknowledgement costs a sequential write instead of an MVStore commit (which
 * rewrites B-tree pages of both maps each time), and the index pays its commit once per batch.
 *
 * <p>Index maps: {@code events} holds each event's JSON, as UTF-8 bytes, under {@code topic NUL cursor}
 * (history reads are a range scan of one topic; bytes, because MVStore writes and reads a string
 * value a character at a time, and a byte array as one copy), {@code timeline} maps {@code cursor -> topic} (the global order
 * the change stream, gap reads and trims walk). Readers take the tail's part of a range first and
 * the index's second: an event leaves the tail only after it is in the index, so it is in at least
 * one of the two whenever a reader looks, and the merge drops the duplicate when it is in both.
 *
 * <p>On open, a store written before the byte values (its JSON in a map {@code topics} of strings)
 * is copied into {@code events} in batches, each committed, and the old map removed at the end: a
 * crash meanwhile leaves the old map whole, and the next open copies again. Then the journal's intact records are put into the index (insert-if-absent: records already
 * indexed before a crash are skipped) and its files deleted. Deletes, purges and trims first index
 * the whole tail, then change the index.
 */
public final class EmbeddedEventLog implements EventLog {

  private static final char SEPARATOR = '\u0000';
  private static final int CATCH_UP_PAGE = 1000;
  static final int INDEX_BATCH = 8192;
  /** The tail is indexed once its JSON holds this many bytes, whatever the count (large events). */
  static final long INDEX_BATCH_BYTES = 32L << 20;
  static final long INDEX_DELAY_MILLIS = 200;
  /** How many events an index pass puts (or drops from the tail) between yields of its core: see {@link #giveWay}. */
  static final int GIVE_WAY_EVERY = 64;
  static final String EVENTS_MAP = "events";
  /** Where stores written before {@value #EVENTS_MAP} kept each event's JSON, as a string. */
  static final String LEGACY_EVENTS_MAP = "topics";
  private static final int MIGRATION_BATCH = 50_000;

  private final Vertx vertx;
  private final MVStore store;
  private final MVMap<String, byte[]> topics;
  private final MVMap<String, String> timeline;
  private final StoreThread writer;
  private final StoreThread indexer;
  private final Path journalDir;
  /** Written on the writer thread only. */
  private Journal journal;
  /**
   * The newest cursor ever written (on the writer thread only): an event after it cannot have a
   * taken cursor, so the insert-if-absent lookups are skipped for it, which is every event whose
   * cursor this node's clock gave.
   */
  private String newestWritten = "";
  /** Set once a write or force of the journal failed: no later write is acknowledged (see {@link #journalFailed}). */
  private volatile Exception journalFailure;
  /** Events written to the journal and not yet in the index, one segment per journal file. */
  private final Tail tail = new Tail();
  private final AtomicBoolean indexPassDue = new AtomicBoolean();
  private final int indexBatch;
  private final boolean fsync;
  private final CursorClock clock;
  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  /**
   * The newest cursor whose batch is committed. MVStore shows a map's entries to readers before the
   * commit; reads stop here so nobody sees an event that is not durable yet, or sees it before the
   * change stream delivers it.
   */
  private volatile String committedThrough = "";

  private EmbeddedEventLog(Vertx vertx, MVStore store, Path journalDir, boolean fsync, String nodeId,
                           java.util.function.LongSupplier wallClock, int indexBatch) {
    this.vertx = vertx;
    this.indexBatch = indexBatch;
    this.store = store;
    this.journalDir = journalDir;
    this.fsync = fsync;
    this.clock = new CursorClock(nodeId, wallClock);
    this.topics = store.openMap(EVENTS_MAP, new MVMap.Builder<String, byte[]>()
        .keyType(org.h2.mvstore.type.StringDataType.INSTANCE).valueType(org.h2.mvstore.type.ByteArrayDataType.INSTANCE));
    this.timeline = store.openMap("timeline");
    this.writer = new StoreThread(vertx, "feedbus-embedded-writer");
    this.indexer = new StoreThread(vertx, "feedbus-embedded-indexer");
  }

  /**
   * Opens (creating when missing) the log in {@code dataDir}; cursors of {@code nodeId} continue
   * after the newest stored one, whatever the wall clock says.
   */
  public static Future<EmbeddedEventLog> open(Vertx vertx, Path dataDir, boolean fsync, String nodeId) {
    return open(vertx, dataDir, fsync, nodeId, System::currentTimeMillis);
  }

  /** As {@link #open(Vertx, Path, boolean, String)} with the node's wall clock given (tests set it back on purpose). */
  public static Future<EmbeddedEventLog> open(Vertx vertx, Path dataDir, boolean fsync, String nodeId,
                                              java.util.function.LongSupplier wallClock) {
    return open(vertx, dataDir, fsync, nodeId, wallClock, INDEX_BATCH);
  }

  /** With the tail indexed once it holds {@code indexBatch} events (1: after every append; tests race readers with index passes so). */
  static Future<EmbeddedEventLog> open(Vertx vertx, Path dataDir, boolean fsync, String nodeId,
                                       java.util.function.LongSupplier wallClock, int indexBatch) {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(dataDir);
      MVStore store;
      try {
        store = new MVStore.Builder()
            .fileName(dataDir.resolve("events.mv.db").toString())
            .autoCommitDisabled()
            .open();
      } catch (org.h2.mvstore.MVStoreException e) {
        if (e.getErrorCode() == org.h2.mvstore.DataUtils.ERROR_FILE_LOCKED) {
          throw new io.feedbus.InUseException("store.embedded.dataDir = '" + dataDir + "': another process holds its lock"
              + " (a feedbus node runs on it); stop that node or choose another directory (--data-dir)", e);
        }
        throw e;
      }
      EmbeddedEventLog log = new EmbeddedEventLog(vertx, store, dataDir.resolve("journal"), fsync, nodeId, wallClock, indexBatch);
      try {
        log.recover();
      } catch (Exception e) {
        store.closeImmediately();
        throw e;
      }
      String last = log.timeline.lastKey(); // what is in the file was committed
      log.committedThrough = last == null ? "" : last;
      log.newestWritten = log.committedThrough;
      if (last != null) {
        log.clock.observe(Cursor.parse(last));
      }
      return log;
    });
  }

  @Override
  public CursorClock clock() {
    return clock;
  }

  /**
   * Copies the events of a store written before byte values into {@code events}, committing every
   * {@value #MIGRATION_BATCH}, then removes the old map. Idempotent: a copy cut short by a crash is
   * done again (the same keys, the same values) at the next open.
   */
  private void migrateLegacyEvents() {
    if (!store.hasMap(LEGACY_EVENTS_MAP)) {
      return;
    }
    MVMap<String, String> legacy = store.openMap(LEGACY_EVENTS_MAP);
    long copied = 0;
    org.h2.mvstore.Cursor<String, String> it = legacy.cursor(null);
    while (it.hasNext()) {
      String key = it.next();
      topics.put(key, it.getValue().getBytes(StandardCharsets.UTF_8));
      if (++copied % MIGRATION_BATCH == 0) {
        commit(true);
      }
    }
    commit(true);
    store.removeMap(legacy);
    commit(true);
    org.slf4j.LoggerFactory.getLogger(EmbeddedEventLog.class).info("embedded store: {} events moved to the byte-valued index map", copied);
  }

  static String text(byte[] json) {
    return new String(json, StandardCharsets.UTF_8);
  }

  /** Puts the journal's intact records into the index, deletes its files, and starts a new one. */
  private void recover() throws Exception {
    migrateLegacyEvents();
    Journal.Recovered recovered = Journal.recover(journalDir);
    for (byte[] record : recovered.records()) {
      JsonObject event = new JsonObject(new String(record, StandardCharsets.UTF_8));
      String cursor = event.getString("cursor");
      String topic = event.getString("topic");
      if (timeline.putIfAbsent(cursor, topic) == null) {
        topics.put(topic + SEPARATOR + cursor, record);
      }
    }
    commit(true);
    Journal.delete(recovered.files());
    journal = Journal.create(journalDir, recovered.lastSequence());
  }

  @Override
  public Future<Void> append(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    clock.hold(events);
    return this.<Void>write(() -> {
      if (journalFailure != null) {
        throw journalFailed();
      }
      // Insert-if-absent: a cursor that is taken keeps its event; the batch's others are stored.
      List<Event> stored = new ArrayList<>(events.size());
      // Each event's UTF-8 JSON: its journal record, then its tail entry and, later, its index value.
      List<byte[]> records = new ArrayList<>(events.size());
      long bytes = 0;
      for (Event event : events) {
        String id = event.id();
        if (id.compareTo(newestWritten) > 0 || (!tail.contains(id) && !timeline.containsKey(id))) {
          byte[] json = event.encodeUtf8();
          stored.add(event);
          records.add(json);
          bytes += json.length;
        }
      }
      if (!stored.isEmpty()) {
        try {
          journal.append(records, fsync);
        } catch (java.io.IOException e) {
          journalFailure = e;
          throw journalFailed();
        }
        for (int i = 0; i < stored.size(); i++) {
          Event event = stored.get(i);
          byte[] json = records.get(i);
          if (event.id().compareTo(newestWritten) > 0) {
            newestWritten = event.id();
          }
          tail.add(event.id(), event.topic(), json);
        }
        indexSoon(tail.added(stored.size(), bytes), tail.bytes());
        String last = stored.get(stored.size() - 1).id();
        if (last.compareTo(committedThrough) > 0) {
          committedThrough = last;
        }
        // Listeners hear of a batch only once it is durable, and in commit order.
        for (Stream stream : streams) {
          stream.offer(stored);
        }
      }
      if (stored.size() < events.size()) {
        FeedbusException taken = new FeedbusException(500, FeedbusException.CURSOR_TAKEN, (events.size() - stored.size())
            + " of " + events.size() + " events have a cursor that is taken already; nothing was overwritten");
        throw stored.isEmpty() ? taken
            : new PartialAppendException(taken, stored.stream().map(Event::id).collect(java.util.stream.Collectors.toSet()));
      }
      return null;
    }).andThen(ar -> clock.settle(events));
  }

  /**
   * After a failed write or force, the journal may hold a torn record (recovery stops there, so
   * records written after it would be lost) or pages the kernel dropped (a later force can succeed
   * and still have lost them). So no later write is acknowledged, and the commit mark stays where it
   * was: readers and listeners of this process see nothing past it. A restart recovers whatever the
   * journal kept; the publishes that failed here may or may not be among it, like any publish that
   * failed for want of an answer.
   */
  private FeedbusException journalFailed() {
    return FeedbusException.storeUnavailable("the embedded store could not write its journal to disk (" + journalFailure
        + "); it takes no more writes: restart the node", journalFailure);
  }

  /** Tests: every later journal append fails with {@code failure} once its records are written, as a disk failing its fsyncs would. */
  void failJournalForces(java.io.IOException failure) {
    journal.failForces(failure);
  }

  /** Schedules an index pass: at once when the tail is large, else after the delay; one pass is due at a time. */
  private void indexSoon(int size, long bytes) {
    if (size >= indexBatch || bytes >= INDEX_BATCH_BYTES) {
      if (indexPassDue.compareAndSet(false, true) || size >= 2 * indexBatch || bytes >= 2 * INDEX_BATCH_BYTES) {
        indexer.execute(this::indexPass);
      }
    } else if (indexPassDue.compareAndSet(false, true)) {
      vertx.setTimer(INDEX_DELAY_MILLIS, id -> indexer.execute(this::indexPass));
    }
  }

  /**
   * Indexes the whole tail now (tests: to read across the line between index and tail; the bench:
   * to measure reads once a load's indexing is over, not while it competes with them).
   */
  public Future<Void> indexNow() {
    return indexer.submit(() -> {
      indexTail();
      return null;
    });
  }

  /** How many events wait in the tail (tests). */
  int tailSize() {
    return tail.size();
  }

  /** On the indexer thread: indexes the tail, logging (not throwing) a failure; the tail stays readable. */
  private void indexPass() {
    indexPassDue.set(false);
    if (closed) {
      return;
    }
    try {
      indexTail();
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(EmbeddedEventLog.class).warn("indexing the journal's tail failed (it stays in the journal): {}",
          e.toString());
    }
  }

  /**
   * On the indexer thread: rolls the journal to a new file (the writer only switches, between
   * appends, and goes on in a new tail segment), puts every event of the sealed segments into the
   * index, commits, then drops those segments and deletes the closed files. Only this removes events
   * from the tail, so the tail found non-empty here is non-empty at the roll.
   */
  private void indexTail() throws Exception {
    if (tail.size() == 0) {
      return;
    }
    // The next file is created here, so the writer (which acknowledgements wait for) only switches to it.
    Journal.Next next = journal.prepareRoll();
    Roll roll;
    try {
      roll = writer.call(() -> new Roll(journal.roll(next), tail.seal()));
    } catch (Exception e) {
      next.channel().close(); // no roll (the writer has stopped): the empty file is harmless, see Journal.prepareRoll
      throw e;
    }
    roll.closedFile().channel().close();
    int done = 0;
    for (Tail.Segment segment : roll.sealed()) {
      for (Map.Entry<String, Tail.Recent> e : segment.events.entrySet()) {
        giveWay(++done);
        if (timeline.putIfAbsent(e.getKey(), e.getValue().topic()) == null) {
          topics.put(e.getValue().topic() + SEPARATOR + e.getKey(), e.getValue().json());
        }
      }
    }
    commit(fsync);
    tail.drop(roll.sealed());
    Journal.deleteThrough(journalDir, roll.closedFile().sequence());
  }

  /** What the writer did at a roll: the journal file it closed, and the tail segments (its events) to index. */
  private record Roll(Journal.Rolled closedFile, List<Tail.Segment> sealed) {
  }

  /**
   * Lets a waiting thread have the core every {@value #GIVE_WAY_EVERY} events an index pass puts. A
   * pass is about 20 ms of CPU in one go; on a machine whose cores the event loops already keep
   * busy, the loops then waited for a core for milliseconds at a time, and the acks in flight
   * during the passes (6 to 8% of them) made up half of the slowest 1%. The pass takes as much
   * CPU either way; it only stops holding a core for long.
   */
  private static void giveWay(int done) {
    if (done % GIVE_WAY_EVERY == 0) {
      Thread.yield();
    }
  }

  @Override
  public Future<List<Event>> readAfter(String topic, Cursor after, int limit) {
    return readPage(topic, after, limit, Long.MAX_VALUE).map(Page::events);
  }

  @Override
  public Future<Page> readPage(String topic, Cursor after, int limit, long maxBytes) {
    return read(() -> {
      String through = committedThrough;
      // The tail first: see the class comment.
      List<String[]> recent = tail.topicAfter(topic, after, through, limit);
      String prefix = topic + SEPARATOR;
      String from = after == null ? prefix : topicKey(topic, after);
      List<String[]> indexed = new ArrayList<>(Math.min(limit, 1024));
      org.h2.mvstore.Cursor<String, byte[]> it = topics.cursor(from);
      while (it.hasNext() && indexed.size() < limit) {
        String key = it.next();
        if (!key.startsWith(prefix) || key.substring(prefix.length()).compareTo(through) > 0) {
          break;
        }
        if (after != null && key.equals(from)) {
          continue; // strictly after
        }
        indexed.add(new String[] {key.substring(prefix.length()), text(it.getValue())});
      }
      return merge(topic, indexed, recent, limit, maxBytes);
    });
  }

  /**
   * Two cursor-ordered runs of {cursor, json} ({cursor, json, topic} when {@code topic} is null: a
   * read of all topics) as one page: ordered, without duplicates, within limit and bytes. The events
   * keep their stored JSON unparsed (see {@link Event#stored}).
   */
  private static Page merge(String topic, List<String[]> indexed, List<String[]> recent, int limit, long maxBytes) {
    List<Event> page = new ArrayList<>(Math.min(limit, indexed.size() + recent.size()));
    long bytes = 0;
    int i = 0;
    int j = 0;
    String last = null;
    while (page.size() < limit && (i < indexed.size() || j < recent.size())) {
      String[] next;
      if (j >= recent.size() || (i < indexed.size() && indexed.get(i)[0].compareTo(recent.get(j)[0]) <= 0)) {
        next = indexed.get(i++);
      } else {
        next = recent.get(j++);
      }
      if (next[0].equals(last)) {
        continue; // in the index and still in the tail
      }
      if (!page.isEmpty() && bytes + next[1].length() > maxBytes) {
        return new Page(page, true);
      }
      bytes += next[1].length();
      last = next[0];
      page.add(stored(topic, next));
    }
    return new Page(page, page.size() == limit);
  }

  /**
   * A reverse scan of the topic's tail and of its index from the newer of {@code before}
   * (exclusive) and the commit mark (inclusive); one event more than the limit is looked at, so
   * {@code full} says whether older events exist.
   */
  @Override
  public Future<Page> readBefore(String topic, Cursor before, int limit, long maxBytes) {
    return read(() -> {
      String through = committedThrough;
      boolean belowCommitted = before != null && before.value().compareTo(through) <= 0;
      // The tail first: see the class comment.
      List<String[]> recent = tail.topicBefore(topic, belowCommitted ? before.value() : null, through, limit + 1);
      String prefix = topic + SEPARATOR;
      String from = prefix + (belowCommitted ? before.value() : through);
      List<String[]> indexed = new ArrayList<>(Math.min(limit + 1, 1024));
      org.h2.mvstore.Cursor<String, byte[]> it = topics.cursor(from, prefix, true);
      while (it.hasNext() && indexed.size() <= limit) {
        String key = it.next();
        if (!key.startsWith(prefix) || (belowCommitted && key.equals(from))) {
          continue; // strictly before
        }
        indexed.add(new String[] {key.substring(prefix.length()), text(it.getValue())});
      }
      // Newest first, one more than the limit at most: what is left over means "older events exist".
      List<String[]> newestFirst = mergeDescending(indexed, recent, limit + 1);
      List<Event> page = new ArrayList<>(Math.min(limit, newestFirst.size()));
      long bytes = 0;
      boolean older = false;
      for (String[] next : newestFirst) {
        if (page.size() == limit || (!page.isEmpty() && bytes + next[1].length() > maxBytes)) {
          older = true; // this older event is left for the next page
          break;
        }
        bytes += next[1].length();
        page.add(stored(topic, next));
      }
      java.util.Collections.reverse(page);
      return new Page(page, older);
    });
  }

  /** The event of a {cursor, json} ({cursor, json, topic} when {@code topic} is null) entry. */
  private static Event stored(String topic, String[] entry) {
    return Event.stored(Cursor.parse(entry[0]), topic != null ? topic : entry[2], entry[1]);
  }

  /** Two runs of {cursor, json}, each newest first, as one newest-first run without duplicates, at most {@code max} long. */
  private static List<String[]> mergeDescending(List<String[]> indexed, List<String[]> recent, int max) {
    List<String[]> out = new ArrayList<>(Math.min(max, indexed.size() + recent.size()));
    int i = 0;
    int j = 0;
    while (out.size() < max && (i < indexed.size() || j < recent.size())) {
      String[] next = j >= recent.size() || (i < indexed.size() && indexed.get(i)[0].compareTo(recent.get(j)[0]) >= 0)
          ? indexed.get(i++) : recent.get(j++);
      if (out.isEmpty() || !out.get(out.size() - 1)[0].equals(next[0])) {
        out.add(next);
      }
    }
    return out;
  }

  @Override
  public Future<List<Event>> readAllAfter(Cursor after, int limit) {
    return read(() -> readAllAfterNow(after, limit));
  }

  private List<Event> readAllAfterNow(Cursor after, int limit) {
    String through = committedThrough;
    List<String[]> recent = tail.allAfter(after, through, limit);
    List<String[]> indexed = new ArrayList<>(Math.min(limit, 1024));
    String from = after == null ? null : timeline.higherKey(after.value());
    if (after == null || from != null) {
      org.h2.mvstore.Cursor<String, String> it = timeline.cursor(from);
      while (it.hasNext() && indexed.size() < limit) {
        String cursor = it.next();
        if (cursor.compareTo(through) > 0) {
          break;
        }
        byte[] json = topics.get(it.getValue() + SEPARATOR + cursor);
        if (json != null) {
          indexed.add(new String[] {cursor, text(json), it.getValue()});
        }
      }
    }
    return merge(null, indexed, recent, limit, Long.MAX_VALUE).events();
  }

  @Override
  public Future<Cursor> latest() {
    return read(() -> {
      String through = committedThrough;
      String recent = tail.floorKey(through);
      String indexed = timeline.floorKey(through);
      String last = recent == null ? indexed : indexed == null || recent.compareTo(indexed) > 0 ? recent : indexed;
      return last == null ? null : Cursor.parse(last);
    });
  }

  @Override
  public Future<ChangeStream> changes(Cursor from, ChangeListener listener) {
    Context context = vertx.getOrCreateContext();
    Stream stream = new Stream(context, listener);
    // Register before reading, so nothing committed meanwhile can fall between catch-up and live.
    streams.add(stream);
    Future<Cursor> start = from != null ? Future.succeededFuture(from) : latest();
    Promise<ChangeStream> opened = Promise.promise();
    start.onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        streams.remove(stream);
        opened.fail(ar.cause());
        return;
      }
      stream.position = ar.result() == null ? Cursor.origin() : ar.result();
      listener.onStatus(StoreStatus.of(StoreStatus.State.CONNECTED, "embedded", null));
      opened.complete(stream);
      stream.catchUp();
    }));
    return opened.future();
  }

  @Override
  public Future<Void> delete(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    return change(() -> {
      for (Event event : events) {
        topics.remove(topicKey(event.topic(), event.cursor()));
        timeline.remove(event.id());
      }
      commit(false);
      return null;
    });
  }

  @Override
  public Future<Long> purge(String topic) {
    return change(() -> {
      String prefix = topic + SEPARATOR;
      List<String> keys = new ArrayList<>();
      Iterator<String> it = topics.keyIterator(prefix);
      while (it.hasNext()) {
        String key = it.next();
        if (!key.startsWith(prefix)) {
          break;
        }
        keys.add(key);
      }
      for (String key : keys) {
        topics.remove(key);
        timeline.remove(key.substring(prefix.length()));
      }
      commit(fsync);
      return (long) keys.size();
    });
  }

  @Override
  public Future<Long> trim(long olderThanTs) {
    return change(() -> {
      String bound = Cursor.beforeTimestamp(olderThanTs).value();
      List<Map.Entry<String, String>> old = new ArrayList<>();
      org.h2.mvstore.Cursor<String, String> it = timeline.cursor(null);
      while (it.hasNext()) {
        String cursor = it.next();
        if (cursor.compareTo(bound) >= 0) {
          break;
        }
        old.add(Map.entry(cursor, it.getValue()));
      }
      for (Map.Entry<String, String> e : old) {
        timeline.remove(e.getKey());
        topics.remove(e.getValue() + SEPARATOR + e.getKey());
      }
      commit(fsync);
      return (long) old.size();
    });
  }

  @Override
  public boolean sharedAcrossNodes() {
    return false;
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    streams.clear();
    // The last index pass, then the journal (empty by then) and the index close.
    return indexer.<Void>finish(() -> {
      try {
        indexTail();
      } finally {
        writer.call(() -> {
          journal.close();
          return null;
        });
        writer.shutdown();
        store.close();
      }
      return null;
    });
  }

  /**
   * Drops the store without a final commit, as a crash would (tests use it to prove that what was
   * acknowledged is on disk already).
   */
  public Future<Void> closeAbruptly() {
    closed = true;
    streams.clear();
    return writer.<Void>finish(() -> {
      journal.close();
      return null;
    }).compose(v -> indexer.<Void>finish(() -> {
      store.closeImmediately();
      return null;
    }));
  }

  private void commit(boolean sync) {
    store.commit();
    if (sync) {
      store.sync();
    }
  }

  private <T> Future<T> write(Callable<T> work) {
    if (closed) {
      return Future.failedFuture(io.feedbus.event.FeedbusException.storeUnavailable("the embedded store is closed", null));
    }
    return writer.submit(work);
  }

  /** An index change (delete, purge, trim) on the indexer thread, after the whole tail is indexed. */
  private <T> Future<T> change(Callable<T> work) {
    if (closed) {
      return Future.failedFuture(io.feedbus.event.FeedbusException.storeUnavailable("the embedded store is closed", null));
    }
    return indexer.submit(() -> {
      indexTail();
      return work.call();
    });
  }

  private <T> Future<T> read(Callable<T> work) {
    if (closed) {
      return Future.failedFuture(io.feedbus.event.FeedbusException.storeUnavailable("the embedded store is closed", null));
    }
    return vertx.executeBlocking(work, false);
  }

  private static String topicKey(String topic, Cursor cursor) {
    return topic + SEPARATOR + cursor.value();
  }

  /** One change stream: catches up from the log, then takes committed batches as they come. */
  private final class Stream implements ChangeStream {
    private final Context context;
    private final ChangeListener listener;
    private final ArrayDeque<Event> pending = new ArrayDeque<>();
    private boolean live;
    private boolean stopped;
    Cursor position;

    Stream(Context context, ChangeListener listener) {
      this.context = context;
      this.listener = listener;
    }

    /** Called on the writer thread after a commit. */
    void offer(List<Event> batch) {
      context.runOnContext(v -> {
        if (stopped) {
          return;
        }
        if (live) {
          batch.forEach(this::deliver);
        } else {
          pending.addAll(batch);
        }
      });
    }

    void catchUp() {
      readAllAfter(position, CATCH_UP_PAGE).onComplete(ar -> {
        if (stopped) {
          return;
        }
        if (ar.failed()) {
          listener.onStatus(StoreStatus.of(StoreStatus.State.ERROR, "embedded", ar.cause().getMessage()));
          return;
        }
        ar.result().forEach(this::deliver);
        if (ar.result().size() == CATCH_UP_PAGE) {
          catchUp();
          return;
        }
        while (!pending.isEmpty()) {
          deliver(pending.poll());
        }
        live = true;
      });
    }

    private void deliver(Event event) {
      // Commits are cursor-ordered on this node, so anything not after the position was seen.
      if (stopped || !event.cursor().isAfter(position)) {
        return;
      }
      position = event.cursor();
      listener.onEvent(event);
    }

    @Override
    public Cursor position() {
      return position;
    }

    @Override
    public Future<Void> close() {
      stopped = true;
      streams.remove(this);
      return Future.succeededFuture();
    }
  }
}
