package io.feedbus.store.embedded;

import io.feedbus.event.FeedbusException;
import io.feedbus.presence.AdmissionSlot;
import io.feedbus.presence.ConnectionRecord;
import io.feedbus.presence.RuntimeSetting;
import io.feedbus.store.ConnectionFilter;
import io.feedbus.store.ConnectionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The embedded connection registry: an H2 MVStore file {@code connections.mv.db} beside the event
 * log, with three maps, {@code connections} (connectionId -> JSON), {@code slots} (uid#index -> JSON)
 * and {@code settings} (scope/name -> JSON, see {@link RuntimeSetting}).
 *
 * <p>Durable on purpose: admission slots acquired over HTTP have no socket and outlive a broker
 * restart (their holders keep streaming), so losing them would let a uid exceed its limit after a
 * restart. Connection records of the previous run simply expire at the first sweeps after restart.
 * Slot and setting writes are committed before they are answered (no fsync: a crash of the process loses nothing, a
 * power loss at most the last moments, which lease expiry heals). Connection records (registered,
 * seen, removed, expired: one write per heartbeat of every connection) are committed by the store's
 * background commit within a second, with the next slot or setting write, or on close: what a crash
 * loses of them belongs to connections that died with the process and would expire anyway.
 *
 * <p>The connections and slots are also kept decoded in memory, so counting, listing, sweeping and
 * claiming parses no JSON (with thousands of connections that parsing was most of this store's time).
 *
 * <p>Every operation runs on one dedicated worker thread, one at a time, so a read-modify-write
 * (claim the first free slot, keep {@code connectedAt} on upsert) is atomic.
 */
public final class EmbeddedConnectionStore implements ConnectionStore {

  private final MVStore store;
  private final MVMap<String, String> connections;
  private final MVMap<String, String> slots;
  private final MVMap<String, String> settings;
  private final StoreThread worker;
  /** The {@code connections} map decoded, with its live counts; read and written on the worker thread only. */
  private final ConnectionIndex records = new ConnectionIndex();
  /** The {@code slots} map decoded (id -> slot, ids in order); read and written on the worker thread only. */
  private final TreeMap<String, AdmissionSlot> decodedSlots = new TreeMap<>();
  private volatile boolean closed;

  private EmbeddedConnectionStore(Vertx vertx, MVStore store) {
    this.store = store;
    this.connections = store.openMap("connections");
    this.slots = store.openMap("slots");
    this.settings = store.openMap("settings");
    connections.forEach((id, json) -> records.put(record(json)));
    slots.forEach((id, json) -> decodedSlots.put(id, slotOf(json)));
    this.worker = new StoreThread(vertx, "feedbus-embedded-connections");
  }

  /** Opens (creating when missing) {@code connections.mv.db} in {@code dataDir}; null: in memory only. */
  public static Future<EmbeddedConnectionStore> open(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> {
      MVStore.Builder builder = new MVStore.Builder();
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        builder.fileName(dataDir.resolve("connections.mv.db").toString());
      }
      return new EmbeddedConnectionStore(vertx, builder.open());
    });
  }

  @Override
  public Future<ConnectionRecord> upsert(ConnectionRecord connection) {
    return writeRecords(() -> {
      ConnectionRecord old = records.get(connection.connectionId());
      ConnectionRecord stored = old == null ? connection : connection.connectedSince(old.connectedAt());
      // The caller keeps its record: cache one whose fields it cannot change afterwards.
      put(new ConnectionRecord(stored.connectionId(), stored.serverId(), stored.uid(), stored.transport(), stored.connectedAt(),
          stored.lastSeen(), stored.priority(), stored.longTerm(), stored.fields() == null ? new JsonObject() : stored.fields().copy(),
          stored.topics()));
      return stored;
    });
  }

  @Override
  public Future<Boolean> touch(String connectionId, long now) {
    return writeRecords(() -> {
      ConnectionRecord old = records.get(connectionId);
      if (old == null) {
        return false;
      }
      put(old.seenAt(Math.max(now, old.lastSeen())));
      return true;
    });
  }

  @Override
  public Future<ConnectionRecord> remove(String connectionId) {
    return writeRecords(() -> {
      connections.remove(connectionId);
      return records.remove(connectionId);
    });
  }

  @Override
  public Future<ConnectionRecord> get(String connectionId) {
    return run(() -> records.get(connectionId));
  }

  @Override
  public Future<List<ConnectionRecord>> list(ConnectionFilter filter, int limit) {
    return run(() -> {
      List<ConnectionRecord> found = new ArrayList<>();
      for (ConnectionRecord c : records.values()) {
        if (filter.matches(c)) {
          found.add(c);
        }
      }
      found.sort(Comparator.comparingLong(ConnectionRecord::connectedAt).thenComparing(ConnectionRecord::connectionId));
      return found.size() > limit ? new ArrayList<>(found.subList(0, limit)) : found;
    });
  }

  @Override
  public Future<Long> count(ConnectionFilter filter) {
    return run(() -> records.count(filter));
  }

  @Override
  public Future<Map<String, Long>> countByServer(long liveSince) {
    return run(() -> records.countByServer(liveSince));
  }

  @Override
  public Future<List<ConnectionRecord>> expire(long liveSince) {
    return writeRecords(() -> {
      List<ConnectionRecord> expired = new ArrayList<>();
      for (ConnectionRecord c : records.values()) {
        if (c.lastSeen() < liveSince) {
          expired.add(c);
        }
      }
      expired.forEach(c -> {
        connections.remove(c.connectionId());
        records.remove(c.connectionId());
      });
      return expired;
    });
  }

  @Override
  public Future<Integer> claimSlot(AdmissionSlot slot, int limit, long now) {
    return write(() -> {
      // One thread writes the map, so looking first and then putting is atomic.
      for (int i = 0; i < limit; i++) {
        AdmissionSlot candidate = slot.withIndex(i);
        AdmissionSlot existing = decodedSlots.get(candidate.id());
        if (existing == null || !existing.liveAt(now)) {
          putSlot(candidate);
          return i;
        }
      }
      return -1;
    });
  }

  @Override
  public Future<Boolean> releaseSlot(String uid, String connectionId, long now) {
    return write(() -> {
      AdmissionSlot chosen = AdmissionSlot.pickForRelease(slotsOf(uid, now), connectionId);
      return chosen != null && removeSlot(chosen.id());
    });
  }

  @Override
  public Future<List<AdmissionSlot>> slots(String uid, long now) {
    return run(() -> slotsOf(uid, now));
  }

  @Override
  public Future<Long> renewSlots(String uid, long expiresAt, long now) {
    return write(() -> {
      long renewed = 0;
      for (AdmissionSlot s : slotsOf(uid, now)) {
        if (s.connectionId() == null) {
          putSlot(new AdmissionSlot(s.uid(), s.index(), s.serverId(), null, s.acquiredAt(), Math.max(expiresAt, s.expiresAt())));
          renewed++;
        }
      }
      return renewed;
    });
  }

  @Override
  public Future<Long> expireSlots(long now) {
    return write(() -> {
      List<String> dead = new ArrayList<>();
      for (Map.Entry<String, AdmissionSlot> e : decodedSlots.entrySet()) {
        AdmissionSlot s = e.getValue();
        if (!s.liveAt(now) || (s.connectionId() != null && !records.contains(s.connectionId()))) {
          dead.add(e.getKey());
        }
      }
      dead.forEach(this::removeSlot);
      return (long) dead.size();
    });
  }

  @Override
  public Future<Void> putSetting(RuntimeSetting setting) {
    return write(() -> {
      settings.put(setting.id(), setting.toJson().encode());
      return null;
    });
  }

  @Override
  public Future<List<RuntimeSetting>> settings(Set<String> scopes) {
    return run(() -> settings.values().stream().map(json -> RuntimeSetting.fromJson(new JsonObject(json)))
        .filter(s -> scopes.contains(s.scope())).collect(java.util.stream.Collectors.toList()));
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return worker.<Void>finish(() -> {
      store.close();
      return null;
    });
  }

  private List<AdmissionSlot> slotsOf(String uid, long now) {
    String prefix = uid + "#";
    List<AdmissionSlot> found = new ArrayList<>();
    for (Map.Entry<String, AdmissionSlot> e : decodedSlots.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      AdmissionSlot s = e.getValue();
      if (s.liveAt(now)) {
        found.add(s);
      }
    }
    return found;
  }

  private static ConnectionRecord record(String json) {
    return ConnectionRecord.fromJson(new JsonObject(json));
  }

  private static AdmissionSlot slotOf(String json) {
    return AdmissionSlot.fromJson(new JsonObject(json));
  }

  private void putSlot(AdmissionSlot slot) {
    slots.put(slot.id(), slot.toJson().encode());
    decodedSlots.put(slot.id(), slot);
  }

  private boolean removeSlot(String id) {
    decodedSlots.remove(id);
    return slots.remove(id) != null;
  }

  private void put(ConnectionRecord record) {
    connections.put(record.connectionId(), record.toJson().encode());
    records.put(record);
  }

  /** A write of connection records, left to the background commit (see the class comment). */
  private <T> Future<T> writeRecords(Callable<T> work) {
    return run(work);
  }

  /**
   * A write committed before its future completes, with whatever connection records are not yet
   * committed. Writes queued together share one commit (64 callers acquiring and releasing slots
   * made a commit per write this thread's whole load).
   */
  private <T> Future<T> write(Callable<T> work) {
    return closed ? closedFailure() : worker.submitGrouped(work, this::commitChanges);
  }

  /** On the worker thread: the end of a group of writes. */
  private Void commitChanges() {
    if (store.hasUnsavedChanges()) {
      store.commit();
    }
    return null;
  }

  private <T> Future<T> run(Callable<T> work) {
    return closed ? closedFailure() : worker.submit(work);
  }

  private static <T> Future<T> closedFailure() {
    return Future.failedFuture(FeedbusException.storeUnavailable("the embedded connection store is closed", null));
  }
}
