package io.feedbus.store;

/** Which connections a list or count covers: each non-null field must match; only those seen since {@code liveSince}. */
public record ConnectionFilter(String serverId, String uid, String transport, long liveSince) {

  public static ConnectionFilter all(long liveSince) {
    return new ConnectionFilter(null, null, null, liveSince);
  }

  public boolean matches(io.feedbus.presence.ConnectionRecord c) {
    return c.lastSeen() >= liveSince
        && (serverId == null || serverId.equals(c.serverId()))
        && (uid == null || uid.equals(c.uid()))
        && (transport == null || transport.equals(c.transport()));
  }
}
