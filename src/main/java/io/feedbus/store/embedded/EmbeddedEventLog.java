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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The embedded engine: one H2 MVStore file in a data directory, no server.
 *
 * <p>Two maps: {@code topics} holds each event's JSON under {@code topic NUL cursor} (history reads
 * are a range scan of one topic), {@code timeline} maps {@code cursor -> topic} (the global order
 * the change stream, gap reads and trims walk). Writes run one at a time on a dedicated worker and
 * are committed (and fsynced, unless configured off) before their future completes; live listeners
 * hear of them only after that.
 */
public final class EmbeddedEventLog implements EventLog {

  private static final char SEPARATOR = '\u0000';
  private static final int CATCH_UP_PAGE = 1000;

  private final Vertx vertx;
  private final MVStore store;
  private final MVMap<String, String> topics;
  private final MVMap<String, String> timeline;
  private final StoreThread writer;
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

  private EmbeddedEventLog(Vertx vertx, MVStore store, boolean fsync, String nodeId, java.util.function.LongSupplier wallClock) {
    this.vertx = vertx;
    this.store = store;
    this.fsync = fsync;
    this.clock = new CursorClock(nodeId, wallClock);
    this.topics = store.openMap("topics");
    this.timeline = store.openMap("timeline");
    this.writer = new StoreThread(vertx, "feedbus-embedded-writer");
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
      EmbeddedEventLog log = new EmbeddedEventLog(vertx, store, fsync, nodeId, wallClock);
      String last = log.timeline.lastKey(); // what is in the file was committed
      log.committedThrough = last == null ? "" : last;
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

  @Override
  public Future<Void> append(List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    clock.hold(events);
    return this.<Void>write(() -> {
      // Insert-if-absent: a cursor that is taken keeps its event; the batch's others are stored.
      List<Event> stored = new ArrayList<>(events.size());
      for (Event event : events) {
        if (timeline.putIfAbsent(event.id(), event.topic()) == null) {
          topics.put(topicKey(event.topic(), event.cursor()), event.toJson().encode());
          stored.add(event);
        }
      }
      commit(fsync);
      if (!stored.isEmpty()) {
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

  @Override
  public Future<List<Event>> readAfter(String topic, Cursor after, int limit) {
    return readPage(topic, after, limit, Long.MAX_VALUE).map(Page::events);
  }

  @Override
  public Future<Page> readPage(String topic, Cursor after, int limit, long maxBytes) {
    return read(() -> {
      String prefix = topic + SEPARATOR;
      String from = after == null ? prefix : topicKey(topic, after);
      String through = committedThrough;
      List<Event> page = new ArrayList<>(Math.min(limit, 1024));
      long bytes = 0;
      org.h2.mvstore.Cursor<String, String> it = topics.cursor(from);
      while (it.hasNext() && page.size() < limit) {
        String key = it.next();
        if (!key.startsWith(prefix) || key.substring(prefix.length()).compareTo(through) > 0) {
          return new Page(page, false);
        }
        if (after != null && key.equals(from)) {
          continue; // strictly after
        }
        String json = it.getValue();
        if (!page.isEmpty() && bytes + json.length() > maxBytes) {
          return new Page(page, true);
        }
        bytes += json.length();
        page.add(Event.fromJson(new JsonObject(json)));
      }
      return new Page(page, page.size() == limit);
    });
  }

  /** A reverse scan of the topic's keys from the newer of {@code before} (exclusive) and the commit mark (inclusive). */
  @Override
  public Future<Page> readBefore(String topic, Cursor before, int limit, long maxBytes) {
    return read(() -> {
      String prefix = topic + SEPARATOR;
      String through = committedThrough;
      boolean belowCommitted = before != null && before.value().compareTo(through) <= 0;
      String from = prefix + (belowCommitted ? before.value() : through);
      List<Event> newestFirst = new ArrayList<>(Math.min(limit, 1024));
      long bytes = 0;
      org.h2.mvstore.Cursor<String, String> it = topics.cursor(from, prefix, true);
      while (it.hasNext()) {
        String key = it.next();
        if (!key.startsWith(prefix) || (belowCommitted && key.equals(from))) {
          continue; // strictly before
        }
        String json = it.getValue();
        if (newestFirst.size() == limit || (!newestFirst.isEmpty() && bytes + json.length() > maxBytes)) {
          java.util.Collections.reverse(newestFirst);
          return new Page(newestFirst, true); // this older event is left for the next page
        }
        bytes += json.length();
        newestFirst.add(Event.fromJson(new JsonObject(json)));
      }
      java.util.Collections.reverse(newestFirst);
      return new Page(newestFirst, false);
    });
  }

  @Override
  public Future<List<Event>> readAllAfter(Cursor after, int limit) {
    return read(() -> readAllAfterNow(after, limit));
  }

  private List<Event> readAllAfterNow(Cursor after, int limit) {
    List<Event> page = new ArrayList<>(Math.min(limit, 1024));
    String from = after == null ? null : timeline.higherKey(after.value());
    if (after != null && from == null) {
      return page;
    }
    String through = committedThrough;
    org.h2.mvstore.Cursor<String, String> it = timeline.cursor(from);
    while (it.hasNext() && page.size() < limit) {
      String cursor = it.next();
      if (cursor.compareTo(through) > 0) {
        break;
      }
      String json = topics.get(it.getValue() + SEPARATOR + cursor);
      if (json != null) {
        page.add(Event.fromJson(new JsonObject(json)));
      }
    }
    return page;
  }

  @Override
  public Future<Cursor> latest() {
    return read(() -> {
      String last = timeline.floorKey(committedThrough);
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
    return write(() -> {
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
    return write(() -> {
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
    return write(() -> {
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
    return writer.<Void>finish(() -> {
      store.close();
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
      store.closeImmediately();
      return null;
    });
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
