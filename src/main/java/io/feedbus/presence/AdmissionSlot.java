package io.feedbus.presence;

import io.vertx.core.json.JsonObject;

/**
 * One admitted stream of a uid: slot {@code index} (0 .. limit-1) of that uid, claimed atomically by
 * its primary key {@code uid#index}. It lives until {@code expiresAt} (a lease, for streams without
 * a socket) or, when {@code connectionId} is set, as long as that connection is in the registry.
 */
public record AdmissionSlot(String uid, int index, String serverId, String connectionId, long acquiredAt, long expiresAt) {

  /** The lease of a slot bound to a connection: the slot lives as long as the connection does. */
  public static final long BOUND = 1L << 52;

  /** The primary key: uids never contain '#', so every key of one uid starts with {@code uid#}. */
  public String id() {
    return key(uid, index);
  }

  public static String key(String uid, int index) {
    return uid + "#" + index;
  }

  public AdmissionSlot withIndex(int i) {
    return new AdmissionSlot(uid, i, serverId, connectionId, acquiredAt, expiresAt);
  }

  /**
   * Which slot a release removes: the one bound to {@code connectionId} when given; else the
   * highest-index leased slot, or (when the uid holds only bound ones) the highest-index bound one.
   */
  public static AdmissionSlot pickForRelease(java.util.List<AdmissionSlot> live, String connectionId) {
    AdmissionSlot chosen = null;
    for (AdmissionSlot s : live) {
      if (connectionId != null) {
        if (connectionId.equals(s.connectionId())) {
          return s;
        }
        continue;
      }
      boolean better = chosen == null
          || (chosen.connectionId() != null && s.connectionId() == null)
          || ((chosen.connectionId() == null) == (s.connectionId() == null) && s.index() > chosen.index());
      if (better) {
        chosen = s;
      }
    }
    return chosen;
  }

  public boolean liveAt(long now) {
    return expiresAt >= now;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id()).put("uid", uid).put("index", index).put("serverId", serverId)
        .put("acquiredAt", acquiredAt).put("expiresAt", expiresAt);
    if (connectionId != null) {
      json.put("connectionId", connectionId);
    }
    return json;
  }

  public static AdmissionSlot fromJson(JsonObject json) {
    return new AdmissionSlot(json.getString("uid"), ((Number) json.getValue("index")).intValue(), json.getString("serverId"),
        json.getString("connectionId"), ((Number) json.getValue("acquiredAt")).longValue(),
        ((Number) json.getValue("expiresAt")).longValue());
  }
}
