package io.feedbus.store.embedded;

import io.feedbus.event.Cursor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The embedded engine's <em>tail</em>: the events written to the journal and not yet in the index,
 * readable by any thread. It is made of one segment per journal file: the writer thread adds to the
 * newest, and starts a new one when the journal rolls ({@link #seal}); once the indexer has committed
 * the sealed segments' events to the index, it drops them whole ({@link #drop}), instead of removing
 * each event from shared maps (a fifth of an index pass's CPU when the tail was one map).
 *
 * <p>Segments follow each other in write order, which is cursor order for the node's own events;
 * an event written with an older cursor (insert-if-absent of a cursor not taken) can land in a later
 * segment, so reads across segments merge by cursor. Entries are {cursor, JSON} ({cursor, JSON,
 * topic} for reads across topics), cursors unique across the segments.
 */
final class Tail {

  /** An event in the tail. */
  record Recent(String topic, byte[] json) {
  }

  /** The events of one journal file. */
  static final class Segment {
    /** cursor -> topic and JSON. */
    final ConcurrentSkipListMap<String, Recent> events = new ConcurrentSkipListMap<>();
    /** topic -> cursor -> JSON (the same arrays). */
    final ConcurrentHashMap<String, ConcurrentSkipListMap<String, byte[]>> byTopic = new ConcurrentHashMap<>();
    /** Written by the writer thread only; read by the indexer after {@link #seal} (which the writer ran). */
    private int count;
    private long bytes;
  }

  private static final Comparator<String[]> BY_CURSOR = Comparator.comparing(entry -> entry[0]);

  /** Oldest first; the last is the one being written. Changed only at a roll and a drop, a few times a second. */
  private final List<Segment> segments = new CopyOnWriteArrayList<>();
  /** The writer thread's segment. */
  private Segment writing = new Segment();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();

  Tail() {
    segments.add(writing);
  }

  /** Writer thread: adds an event (its cursor not in the tail). */
  void add(String cursor, String topic, byte[] json) {
    writing.byTopic.computeIfAbsent(topic, t -> new ConcurrentSkipListMap<>()).put(cursor, json);
    writing.events.put(cursor, new Recent(topic, json));
    writing.count++;
    writing.bytes += json.length;
  }

  /** Writer thread: counts {@code count} events of {@code bytes} added since the last call; returns the tail's new size. */
  int added(int count, long bytes) {
    this.bytes.addAndGet(bytes);
    return size.addAndGet(count);
  }

  int size() {
    return size.get();
  }

  long bytes() {
    return bytes.get();
  }

  boolean contains(String cursor) {
    for (Segment segment : segments) {
      if (segment.events.containsKey(cursor)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Writer thread, as the journal rolls: the writer goes on in a new segment; returns every segment
   * before it (with the one just closed, any a failed index pass left), for the indexer.
   */
  List<Segment> seal() {
    List<Segment> sealed = List.copyOf(segments);
    writing = new Segment();
    segments.add(writing);
    return sealed;
  }

  /** Indexer thread, once the events of {@code sealed} are committed to the index: drops them. */
  void drop(List<Segment> sealed) {
    segments.removeAll(sealed);
    for (Segment segment : sealed) {
      size.addAndGet(-segment.count);
      bytes.addAndGet(-segment.bytes);
    }
  }

  /** The topic's events after {@code after} (null: from the start) through {@code through}, oldest first, at most {@code limit}. */
  List<String[]> topicAfter(String topic, Cursor after, String through, int limit) {
    return collect(segment -> {
      ConcurrentSkipListMap<String, byte[]> ofTopic = segment.byTopic.get(topic);
      return ofTopic == null ? null : range(ofTopic, after, through);
    }, (cursor, json) -> new String[] {cursor, EmbeddedEventLog.text(json)}, limit, BY_CURSOR);
  }

  /**
   * The topic's events before {@code before} (exclusive), or through {@code through} (inclusive) when
   * {@code before} is null, newest first, at most {@code limit}.
   */
  List<String[]> topicBefore(String topic, String before, String through, int limit) {
    return collect(segment -> {
      ConcurrentSkipListMap<String, byte[]> ofTopic = segment.byTopic.get(topic);
      return ofTopic == null ? null : (before != null ? ofTopic.headMap(before, false) : ofTopic.headMap(through, true)).descendingMap();
    }, (cursor, json) -> new String[] {cursor, EmbeddedEventLog.text(json)}, limit, BY_CURSOR.reversed());
  }

  /** Every topic's events after {@code after} (null: from the start) through {@code through}, oldest first, at most {@code limit}. */
  List<String[]> allAfter(Cursor after, String through, int limit) {
    return collect(segment -> range(segment.events, after, through),
        (cursor, recent) -> new String[] {cursor, EmbeddedEventLog.text(recent.json()), recent.topic()}, limit, BY_CURSOR);
  }

  /**
   * Up to {@code limit} entries of each segment's run ({@code runOf}, in {@code order}; null: none),
   * as one run in {@code order} cut at {@code limit}. A single segment's run is in order already.
   */
  private <V> List<String[]> collect(Function<Segment, NavigableMap<String, V>> runOf, BiFunction<String, V, String[]> entry, int limit,
                                     Comparator<String[]> order) {
    List<String[]> out = new ArrayList<>();
    int contributing = 0;
    for (Segment segment : segments) {
      NavigableMap<String, V> run = runOf.apply(segment);
      if (run == null) {
        continue;
      }
      int first = out.size();
      for (Map.Entry<String, V> e : run.entrySet()) {
        if (out.size() - first >= limit) {
          break;
        }
        out.add(entry.apply(e.getKey(), e.getValue()));
      }
      contributing += out.size() > first ? 1 : 0;
    }
    if (contributing > 1) {
      out.sort(order);
    }
    return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }

  /** The newest cursor at or before {@code through}, or null. */
  String floorKey(String through) {
    String newest = null;
    for (Segment segment : segments) {
      String floor = segment.events.floorKey(through);
      if (floor != null && (newest == null || floor.compareTo(newest) > 0)) {
        newest = floor;
      }
    }
    return newest;
  }

  /** The entries of {@code map} after {@code after} (null: from the start) up to {@code through}. */
  static <V> NavigableMap<String, V> range(ConcurrentSkipListMap<String, V> map, Cursor after, String through) {
    if (after == null) {
      return map.headMap(through, true);
    }
    if (after.value().compareTo(through) >= 0) {
      return java.util.Collections.emptyNavigableMap();
    }
    return map.subMap(after.value(), false, through, true);
  }
}
