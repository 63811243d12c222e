package io.feedbus.store;

import io.vertx.core.json.JsonObject;

/** A notice an engine publishes on {@code feedbus.store.status}. */
public record StoreStatus(State state, String engine, String detail, long ts) {

  public static final String ADDRESS = "feedbus.store.status";

  /** What happened. */
  public enum State { CONNECTED, DISCONNECTED, RECONNECTED, ERROR }

  /** The detail of a disconnect because the feed stopped moving while connected starts with this. */
  public static final String STALLED = "stalled: ";

  /** A disconnect because the feed stopped moving although its connection stayed open. */
  public boolean stalled() {
    return state == State.DISCONNECTED && detail != null && detail.startsWith(STALLED);
  }

  public static StoreStatus of(State state, String engine, String detail) {
    return new StoreStatus(state, engine, detail, System.currentTimeMillis());
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", state.name().toLowerCase()).put("engine", engine).put("ts", ts);
    if (detail != null) {
      json.put("detail", detail);
    }
    return json;
  }
}
