package io.feedbus.store.embedded;

import io.feedbus.presence.ConnectionRecord;
import io.feedbus.store.ConnectionFilter;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The connection records in memory, by id, with live counts per node, per uid and overall. A node
 * admitting a connection counts its own live connections twice (its cap, then its gauge); scanning
 * every record for that made admitting n connections take n^2 steps. Each count here costs a lookup
 * plus a step per distinct last-seen time that is already too old, which the sweeps remove. Not
 * thread-safe: used on the store's one thread.
 */
final class ConnectionIndex {

  private final Map<String, ConnectionRecord> byId = new HashMap<>();
  private final Map<String, LiveCount> byServer = new HashMap<>();
  private final Map<String, LiveCount> byUid = new HashMap<>();
  private final LiveCount all = new LiveCount();

  ConnectionRecord get(String connectionId) {
    return byId.get(connectionId);
  }

  boolean contains(String connectionId) {
    return byId.containsKey(connectionId);
  }

  Collection<ConnectionRecord> values() {
    return byId.values();
  }

  /** Puts {@code record} in place of the one with its id; returns the one it replaced, or null. */
  ConnectionRecord put(ConnectionRecord record) {
    ConnectionRecord old = byId.put(record.connectionId(), record);
    if (old != null) {
      uncount(old);
    }
    all.add(record.lastSeen());
    byServer.computeIfAbsent(record.serverId(), k -> new LiveCount()).add(record.lastSeen());
    byUid.computeIfAbsent(record.uid(), k -> new LiveCount()).add(record.lastSeen());
    return old;
  }

  ConnectionRecord remove(String connectionId) {
    ConnectionRecord old = byId.remove(connectionId);
    if (old != null) {
      uncount(old);
    }
    return old;
  }

  /** The records {@code filter} matches; from the counts unless it names a transport, or both a node and a uid. */
  long count(ConnectionFilter filter) {
    if (filter.transport() == null) {
      if (filter.serverId() == null && filter.uid() == null) {
        return all.since(filter.liveSince());
      }
      if (filter.uid() == null) {
        return since(byServer.get(filter.serverId()), filter.liveSince());
      }
      if (filter.serverId() == null) {
        return since(byUid.get(filter.uid()), filter.liveSince());
      }
    }
    return byId.values().stream().filter(filter::matches).count();
  }

  /** Live records per node, nodes with none left out. */
  Map<String, Long> countByServer(long liveSince) {
    Map<String, Long> counts = new TreeMap<>();
    byServer.forEach((server, count) -> {
      long live = count.since(liveSince);
      if (live > 0) {
        counts.put(server, live);
      }
    });
    return counts;
  }

  private void uncount(ConnectionRecord record) {
    all.remove(record.lastSeen());
    forget(byServer, record.serverId(), record.lastSeen());
    forget(byUid, record.uid(), record.lastSeen());
  }

  private static void forget(Map<String, LiveCount> counts, String key, long lastSeen) {
    LiveCount count = counts.get(key);
    count.remove(lastSeen);
    if (count.total == 0) {
      counts.remove(key);
    }
  }

  private static long since(LiveCount count, long liveSince) {
    return count == null ? 0 : count.since(liveSince);
  }

  /** How many records were last seen at each time. */
  private static final class LiveCount {
    private final TreeMap<Long, Integer> bySeen = new TreeMap<>();
    private int total;

    void add(long lastSeen) {
      bySeen.merge(lastSeen, 1, Integer::sum);
      total++;
    }

    void remove(long lastSeen) {
      bySeen.computeIfPresent(lastSeen, (t, n) -> n == 1 ? null : n - 1);
      total--;
    }

    /** Those last seen at {@code liveSince} or later. */
    long since(long liveSince) {
      long stale = 0;
      for (int n : bySeen.headMap(liveSince, false).values()) {
        stale += n;
      }
      return total - stale;
    }
  }
}
