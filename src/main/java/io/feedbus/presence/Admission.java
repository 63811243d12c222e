package io.feedbus.presence;

import io.feedbus.store.ConnectionStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Per-uid stream admission: at most {@code limit} concurrent streams per uid ({@code streamLimitPerUid},
 * or the uid's entry in {@code streamLimitOverrides}), on any number of nodes.
 *
 * <p>A stream is an {@link AdmissionSlot} in the store, so the count is derived from the stored
 * slots and cannot drift: acquire claims the first free slot {@code uid#0 .. uid#limit-1}
 * atomically, release deletes one, and a slot disappears by itself when its lease lapses (streams
 * acquired without a connection, e.g. over HTTP: {@code streamLeaseMillis}, renewed by
 * {@link #renew}) or when the connection it is bound to leaves the registry (crash safety: a dead
 * node's connections expire, then their slots are freed by the next sweep).
 */
public final class Admission {

  private final ConnectionStore store;
  private final ConnectionRegistry registry;
  private final PresenceOptions options;
  private final PresenceObserver observer;

  public Admission(ConnectionRegistry registry, PresenceObserver observer) {
    this.store = registry.store();
    this.registry = registry;
    this.options = registry.options();
    this.observer = observer;
  }

  /** The stream limit of {@code uid}. */
  public int limitFor(String uid) {
    Integer override = options.streamLimitOverrides.get(uid);
    return override != null ? override : options.streamLimitPerUid;
  }

  /**
   * Takes a stream slot when the uid is under its limit -> {@code {result, uid, canStream, streamCount}}.
   * Refusals (at the limit, banned) are answers, not failures, and are published as errors.
   * With {@code connectionId} the slot lives as long as that connection; without, for a lease.
   */
  public Future<JsonObject> acquire(Object uidValue, Object connectionIdValue) {
    String uid = Uids.uid(uidValue);
    String connectionId = connectionIdValue == null ? null : Uids.connectionId(connectionIdValue);
    long now = System.currentTimeMillis();
    if (registry.priorityOf(uid) == Priority.BANNED) {
      return count(uid, now).map(count -> {
        observer.admission(false);
        registry.publishError(connectionId, uid, "banned", "uid '" + uid + "' is banned: no stream admitted");
        return canStream(uid, false, count);
      });
    }
    long expiresAt = connectionId != null ? AdmissionSlot.BOUND : now + options.streamLeaseMillis;
    AdmissionSlot slot = new AdmissionSlot(uid, 0, registry.serverId(), connectionId, now, expiresAt);
    int limit = limitFor(uid);
    return store.claimSlot(slot, limit, now).compose(index -> count(uid, now).map(count -> {
      boolean admitted = index >= 0;
      observer.admission(admitted);
      if (!admitted) {
        registry.publishError(connectionId, uid, "stream_limit", "uid '" + uid + "' already holds " + count + " of its " + limit + " streams");
      }
      return canStream(uid, admitted, count);
    }));
  }

  /** Gives back one stream slot -> {@code {result, uid, removedStream, streamCount}}; never below 0. */
  public Future<JsonObject> release(Object uidValue, Object connectionIdValue) {
    String uid = Uids.uid(uidValue);
    String connectionId = connectionIdValue == null ? null : Uids.connectionId(connectionIdValue);
    long now = System.currentTimeMillis();
    return store.releaseSlot(uid, connectionId, now).compose(removed -> count(uid, now).map(count -> new JsonObject()
        .put("result", "success").put("uid", uid).put("removedStream", removed).put("streamCount", count)));
  }

  /** {@code {uid, streamCount, limit, canStream, priority}}, without taking anything. */
  public Future<JsonObject> state(Object uidValue) {
    String uid = Uids.uid(uidValue);
    Priority priority = registry.priorityOf(uid);
    int limit = limitFor(uid);
    return count(uid, System.currentTimeMillis()).map(count -> new JsonObject()
        .put("uid", uid).put("streamCount", count).put("limit", limit)
        .put("canStream", priority != Priority.BANNED && count < limit).put("priority", priority.name()));
  }

  /** Extends the lease of the uid's leased streams by {@code streamLeaseMillis} -> {@code {uid, renewed, streamCount}}. */
  public Future<JsonObject> renew(Object uidValue) {
    String uid = Uids.uid(uidValue);
    long now = System.currentTimeMillis();
    return store.renewSlots(uid, now + options.streamLeaseMillis, now).compose(renewed -> count(uid, now).map(count ->
        new JsonObject().put("uid", uid).put("renewed", renewed).put("streamCount", count)));
  }

  private Future<Integer> count(String uid, long now) {
    return store.slots(uid, now).map(java.util.List::size);
  }

  private static JsonObject canStream(String uid, boolean admitted, int count) {
    return new JsonObject().put("result", "success").put("uid", uid).put("canStream", admitted).put("streamCount", count);
  }
}
