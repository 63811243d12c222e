package io.feedbus.auth;

import io.feedbus.event.FeedbusException;
import java.util.Map;

/**
 * Who is asking, on any entry: a token's subject with the rights of its claim, a backend service
 * with an API key (every right), a caller without a credential with the anonymous rights, or nobody
 * (no credential while anonymous access is off).
 *
 * @param admin may use the management and admission routes (API keys, tokens whose claim grants it)
 * @param expiresAtMillis when the credential stops being valid (epoch ms), 0 when it does not expire
 * @param fields the connection fields the token sets ({@code auth.fieldsClaim}); empty for other callers
 */
public record Caller(String uid, Kind kind, TopicRights rights, boolean admin, long expiresAtMillis, Map<String, String> fields) {

  public Caller {
    fields = fields == null ? Map.of() : Map.copyOf(fields);
  }

  /** A caller whose credential sets no connection fields. */
  public Caller(String uid, Kind kind, TopicRights rights, boolean admin, long expiresAtMillis) {
    this(uid, kind, rights, admin, expiresAtMillis, Map.of());
  }

  /** How the caller got in. */
  public enum Kind { TOKEN, API_KEY, ANONYMOUS, UNAUTHENTICATED }

  /** The uid callers without a credential have when anonymous access is on. */
  public static final String ANONYMOUS_UID = "anonymous";

  public static Caller anonymous(TopicRights rights) {
    return new Caller(ANONYMOUS_UID, Kind.ANONYMOUS, rights, false, 0);
  }

  public static Caller unauthenticated() {
    return new Caller(null, Kind.UNAUTHENTICATED, TopicRights.NONE, false, 0);
  }

  public boolean authenticated() {
    return kind != Kind.UNAUTHENTICATED;
  }

  /** True when the caller presented a credential (a token or an API key). */
  public boolean signedIn() {
    return kind == Kind.TOKEN || kind == Kind.API_KEY;
  }

  /**
   * Null when the caller may publish on ({@code publish}) or subscribe to and read the history of
   * {@code topic}; else the refusal: 401 {@code not_authenticated} without a credential, 403
   * {@code forbidden} outside the caller's rights.
   */
  public FeedbusException topicRefusal(String topic, boolean publish) {
    if (!authenticated()) {
      return notAuthenticated();
    }
    boolean allowed = publish ? rights.mayPublish(topic) : rights.maySubscribe(topic);
    if (allowed) {
      return null;
    }
    return FeedbusException.forbidden(uid + " may not " + (publish ? "publish on" : "subscribe to")
        + " topic '" + topic + "' (" + (publish ? "publish" : "subscribe") + " rights: "
        + rights.toJson().getJsonArray(publish ? "publish" : "subscribe") + ")");
  }

  /** Null when the caller may use management and admission; else 401 without a credential, 403 with one that lacks the right. */
  public FeedbusException managementRefusal() {
    if (admin) {
      return null;
    }
    if (!signedIn()) {
      return new FeedbusException(401, "not_authenticated",
          "management needs a credential: Authorization: apikey <key>, or Bearer <JWT> whose claim grants admin");
    }
    return FeedbusException.forbidden(uid + " may not use management: it needs an API key, or a token whose claim grants admin");
  }

  static FeedbusException notAuthenticated() {
    return new FeedbusException(401, "not_authenticated",
        "sign in first: anonymous access is off; present a token (Authorization: Bearer <JWT>; browsers: Feedbus({token}))"
            + " or an API key (Authorization: apikey <key>)");
  }
}
