package io.feedbus.feed;

import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Nodes;
import io.feedbus.event.Topic;
import io.feedbus.presence.PresenceAddresses;
import io.feedbus.presence.Uids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Subscriptions of cluster members that run no broker, served by this node's feed. A member asks
 * any broker to {@link #ADDRESS attach} a topic to an address of its own; that broker registers the
 * connection in its registry (so it counts, heartbeats and can be closed like any other) and
 * forwards every event of the topic it delivers, in order, to that address, point to point. It
 * stops when the registry closes or removes the connection (expiry after the member died included).
 *
 * <p>Each member gets each event once: the feed delivers on its own node only, and a member is
 * attached to one node at a time. Confined to the feed verticle's context.
 */
public final class RemoteSubscribers {

  /** {@code {topic, address, connectionId, uid?, transport?, fields?}} -> the registered connection record. */
  public static final String ADDRESS = "feedbus.attach";
  /** Every attached address starts so: the broker sends events nowhere else. */
  public static final String PREFIX = "feedbus.sub.";

  private record Remote(String address, MessageConsumer<JsonObject> closeOrders) {
  }

  private final Vertx vertx;
  private final String nodeId;
  private final Map<String, Map<String, Remote>> byTopic = new HashMap<>();

  RemoteSubscribers(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
  }

  /** Registers the connection with this node's registry, then forwards the topic to the member's address. */
  Future<JsonObject> attach(JsonObject request) {
    String topic = Topic.validate(request.getString("topic"));
    String address = request.getString("address");
    if (address == null || !address.startsWith(PREFIX) || address.length() > 200) {
      throw FeedbusException.badRequest("bad_request", "address must be an address starting with " + PREFIX);
    }
    String connectionId = Uids.connectionId(request.getValue("connectionId"));
    JsonObject registration = request.copy();
    registration.remove("topic");
    registration.remove("address");
    MessageConsumer<JsonObject> closeOrders = vertx.eventBus().localConsumer(PresenceAddresses.close(connectionId),
        order -> detach(topic, connectionId));
    return closeOrders.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(Nodes.at(PresenceAddresses.UPSERT, nodeId), registration))
        .map(reply -> {
          byTopic.computeIfAbsent(topic, t -> new HashMap<>()).put(connectionId, new Remote(address, closeOrders));
          return reply.body();
        })
        .onFailure(e -> closeOrders.unregister());
  }

  /** Sends a delivered event to every member attached to its topic. */
  void forward(Event event) {
    Map<String, Remote> remotes = byTopic.get(event.topic());
    if (remotes != null && !remotes.isEmpty()) {
      JsonObject json = event.toJson();
      for (Remote remote : remotes.values()) {
        vertx.eventBus().send(remote.address(), json);
      }
    }
  }

  private void detach(String topic, String connectionId) {
    Map<String, Remote> remotes = byTopic.get(topic);
    Remote remote = remotes == null ? null : remotes.remove(connectionId);
    if (remote != null) {
      remote.closeOrders().unregister();
      if (remotes.isEmpty()) {
        byTopic.remove(topic);
      }
    }
  }

  /** How many members are attached (tests, metrics). */
  int count() {
    return byTopic.values().stream().mapToInt(Map::size).sum();
  }

  Future<Void> close() {
    List<Future<Void>> closing = byTopic.values().stream().flatMap(m -> m.values().stream())
        .map(r -> r.closeOrders().unregister()).toList();
    byTopic.clear();
    return Future.join(closing).mapEmpty();
  }
}
