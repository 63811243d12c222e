package io.feedbus.auth;

/**
 * Who is behind a bridge socket: a token's subject with the rights from its claim, an anonymous
 * browser with the configured anonymous rights, or nobody (no token while anonymous access is off).
 *
 * @param expiresAtMillis when the token stops being valid (epoch ms), 0 when it does not expire
 */
public record Caller(String uid, Kind kind, TopicRights rights, long expiresAtMillis) {

  /** How the user got in. */
  public enum Kind { TOKEN, ANONYMOUS, UNAUTHENTICATED }

  public static Caller anonymous(TopicRights rights) {
    return new Caller("anonymous", Kind.ANONYMOUS, rights, 0);
  }

  public static Caller unauthenticated() {
    return new Caller(null, Kind.UNAUTHENTICATED, TopicRights.NONE, 0);
  }

  public boolean authenticated() {
    return kind != Kind.UNAUTHENTICATED;
  }
}
