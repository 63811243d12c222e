package io.feedbus.store;

import io.feedbus.presence.AdmissionSlot;
import io.feedbus.presence.ConnectionRecord;
import io.feedbus.presence.RuntimeSetting;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connection registry engine SPI: client connections keyed by connectionId, and admission slots
 * keyed by {@code uid#index}.
 *
 * <p>Contract (pinned by {@code ConnectionStoreContract} for every engine):
 * <ul>
 *   <li>A connection is live while {@code lastSeen >= liveSince}; lists and counts see live ones only.</li>
 *   <li>{@link #claimSlot} is atomic per slot key: however many callers on however many nodes race
 *       for one uid, at most {@code limit} slots of it are live, so its stream count never exceeds
 *       the limit; a slot whose lease lapsed may be claimed again at once.</li>
 *   <li>{@link #releaseSlot} removes at most one live slot, so the count never goes below 0.</li>
 *   <li>Run-time settings (caps, draining, priorities and bans) written through one store are read
 *       by every store on the same data, and outlive the process.</li>
 *   <li>A slot bound to a connection lives as long as that connection's record:
 *       {@link #expireSlots} removes it once the record is gone (that is how a crashed node's slots
 *       come back).</li>
 * </ul>
 * Every method returns without blocking the caller's thread; results arrive on the caller's context.
 */
public interface ConnectionStore {

  /** Inserts the connection, or updates it when it exists (keeping its {@code connectedAt}); returns what is stored. */
  Future<ConnectionRecord> upsert(ConnectionRecord connection);

  /** Sets {@code lastSeen}; false when there is no such connection (it expired or was removed). */
  Future<Boolean> touch(String connectionId, long now);

  /** Removes a connection; returns it, or null when there was none. */
  Future<ConnectionRecord> remove(String connectionId);

  /** The connection with that id, or null. */
  Future<ConnectionRecord> get(String connectionId);

  /** Live connections matching the filter, oldest first, at most {@code limit}. */
  Future<List<ConnectionRecord>> list(ConnectionFilter filter, int limit);

  /** How many live connections match the filter. */
  Future<Long> count(ConnectionFilter filter);

  /** Live connections per serverId (servers without any are absent). */
  Future<Map<String, Long>> countByServer(long liveSince);

  /** Removes every connection not seen since {@code liveSince}; returns what it removed. */
  Future<List<ConnectionRecord>> expire(long liveSince);

  /**
   * Claims the first free slot of {@code slot.uid()} among {@code 0 .. limit-1} (a free slot is one
   * that does not exist or whose lease lapsed before {@code now}); returns its index, or -1 when all
   * are taken.
   */
  Future<Integer> claimSlot(AdmissionSlot slot, int limit, long now);

  /**
   * Removes one live slot of {@code uid}: the one bound to {@code connectionId} when given, else
   * preferably one with a lease (no connection). Returns whether one was removed.
   */
  Future<Boolean> releaseSlot(String uid, String connectionId, long now);

  /** The live slots of {@code uid}. */
  Future<List<AdmissionSlot>> slots(String uid, long now);

  /** Extends the lease of every leased (unbound) live slot of {@code uid} to {@code expiresAt}; returns how many. */
  Future<Long> renewSlots(String uid, long expiresAt, long now);

  /** Removes slots whose lease lapsed and slots bound to connections that are no longer registered; returns how many. */
  Future<Long> expireSlots(long now);

  /** Stores a run-time setting, replacing the one of the same scope and name; every node of the store sees it. */
  Future<Void> putSetting(RuntimeSetting setting);

  /** The stored settings whose scope is one of {@code scopes}. */
  Future<List<RuntimeSetting>> settings(Set<String> scopes);

  /** Closes the engine. */
  Future<Void> close();
}
