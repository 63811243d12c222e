package io.feedbus.presence;

import io.vertx.core.json.JsonObject;

/**
 * A registry setting changed at run time ({@code cap}, {@code accepting}, {@code priority/<uid>}),
 * kept in the connection store so it outlives a restart: for one node ({@code scope} = its id) or
 * for every node ({@link #ALL_NODES}). {@code value} is a JSON value; the latest {@code changedAt}
 * of a name wins.
 */
public record RuntimeSetting(String scope, String name, Object value, long changedAt) {

  /** The scope of a change made for every node. */
  public static final String ALL_NODES = "*";

  /** The setting's key in a store: one document per scope and name. */
  public String id() {
    return scope + "/" + name;
  }

  public JsonObject toJson() {
    return new JsonObject().put("scope", scope).put("name", name).put("value", value).put("changedAt", changedAt);
  }

  public static RuntimeSetting fromJson(JsonObject json) {
    return new RuntimeSetting(json.getString("scope"), json.getString("name"), json.getValue("value"), json.getLong("changedAt"));
  }
}
