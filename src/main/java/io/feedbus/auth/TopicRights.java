package io.feedbus.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** What a caller may do: subscribe to (and read history of) and publish on topics matching its patterns. */
public final class TopicRights {

  public static final TopicRights NONE = new TopicRights(List.of(), List.of());
  /** Every topic, both ways: what an API key may do. */
  public static final TopicRights ALL = new TopicRights(List.of(TopicPattern.of("*")), List.of(TopicPattern.of("*")));

  private final List<TopicPattern> subscribe;
  private final List<TopicPattern> publish;

  private TopicRights(List<TopicPattern> subscribe, List<TopicPattern> publish) {
    this.subscribe = List.copyOf(subscribe);
    this.publish = List.copyOf(publish);
  }

  public static TopicRights of(AuthOptions.Rights rights) {
    return new TopicRights(compile(rights.subscribe), compile(rights.publish));
  }

  /**
   * Reads a rights claim {@code {"subscribe": [...], "publish": [...], "admin"?: true}} (admin is
   * read by the {@link Authenticator}); a missing claim or list grants nothing. Fails with {@link IllegalArgumentException} when the claim is malformed.
   */
  public static TopicRights fromClaim(String claimName, Object claim) {
    if (claim == null) {
      return NONE;
    }
    if (!(claim instanceof JsonObject)) {
      throw new IllegalArgumentException("claim '" + claimName + "' must be an object {\"subscribe\": [...], \"publish\": [...]}");
    }
    JsonObject json = (JsonObject) claim;
    return new TopicRights(list(claimName + ".subscribe", json.getValue("subscribe")), list(claimName + ".publish", json.getValue("publish")));
  }

  private static List<TopicPattern> list(String name, Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray)) {
      throw new IllegalArgumentException("claim '" + name + "' must be a list of topic patterns");
    }
    List<TopicPattern> patterns = new ArrayList<>();
    for (Object o : (JsonArray) value) {
      if (!(o instanceof String)) {
        throw new IllegalArgumentException("claim '" + name + "' must hold strings, not " + o);
      }
      patterns.add(TopicPattern.of((String) o));
    }
    return patterns;
  }

  private static List<TopicPattern> compile(List<String> globs) {
    List<TopicPattern> patterns = new ArrayList<>();
    globs.forEach(g -> patterns.add(TopicPattern.of(g)));
    return patterns;
  }

  public boolean maySubscribe(String topic) {
    return subscribe.stream().anyMatch(p -> p.matches(topic));
  }

  public boolean mayPublish(String topic) {
    return publish.stream().anyMatch(p -> p.matches(topic));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("subscribe", new JsonArray(subscribe.stream().map(TopicPattern::toString).toList()))
        .put("publish", new JsonArray(publish.stream().map(TopicPattern::toString).toList()));
  }

  @Override
  public String toString() {
    return "subscribe " + subscribe + ", publish " + publish;
  }
}
