package io.feedbus.event;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/**
 * Which broker node runs on a Vert.x instance, and the node-specific form of a service address.
 *
 * <p>Every feedbus service listens on its address ({@code feedbus.publish}: any node takes the
 * request) and on {@code <address>@<nodeId>} (that node only). In a cluster the plain address
 * round-robins over every member's handler, a dead member's included until the cluster notices, so
 * whatever runs on a broker node (HTTP routes, SSE streams, browser sockets, a client) asks its own
 * node; a member without a broker asks any node, then stays with the one that took it.
 */
public final class Nodes {

  private static final String MAP = "feedbus.node";
  private static final String KEY = "id";

  private Nodes() {
  }

  /** A new node id, {@code node-} and 8 hex digits. */
  public static String newId() {
    return "node-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  /** The address of {@code address}'s service on node {@code nodeId}. */
  public static String at(String address, String nodeId) {
    return address + "@" + nodeId;
  }

  /** The id of the broker node running on {@code vertx}, or null when this is a member without one. */
  public static String local(Vertx vertx) {
    LocalMap<String, String> map = vertx.sharedData().getLocalMap(MAP);
    return map.get(KEY);
  }

  /** {@code address} on the local broker node when there is one, else the plain address (any node). */
  public static String nearest(Vertx vertx, String address) {
    String node = local(vertx);
    return node == null ? address : at(address, node);
  }

  /**
   * Marks {@code vertx} as running broker node {@code nodeId}; fails when another node runs there.
   * Its bus then carries what the node's own services take and give by reference (requests given up
   * with {@link JsonByReference}, {@link Ack}s), so whoever sees {@link #local} may send them.
   */
  public static void register(Vertx vertx, String nodeId) {
    String previous = vertx.sharedData().<String, String>getLocalMap(MAP).putIfAbsent(KEY, nodeId);
    if (previous != null && !previous.equals(nodeId)) {
      throw new IllegalStateException("broker node " + previous + " already runs on this Vert.x instance");
    }
    JsonByReference.registerOn(vertx.eventBus());
    AckCodec.registerOn(vertx.eventBus());
  }

  /** The node left {@code vertx}. */
  public static void unregister(Vertx vertx, String nodeId) {
    vertx.sharedData().<String, String>getLocalMap(MAP).removeIfPresent(KEY, nodeId);
  }
}
