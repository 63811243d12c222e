package io.feedbus.client;

import io.vertx.core.Future;

/** A running subscription to one topic. */
public interface Subscription {

  /**
   * Close reasons after which a client starts again after its last cursor, on any node: the node
   * went away or let go of the connection, not the client (shared by every client that resumes).
   */
  java.util.Set<String> RESUMABLE = java.util.Set.of("shutting_down", "draining", "node_gone", "expired",
      "lifetime_expired", "removed");

  String topic();

  /** The cursor of the last event handed to the handler (hand it back to resume), or the start cursor. */
  String lastCursor();

  /** True once history is replayed and events arrive live. */
  boolean live();

  /** Stops delivery and leaves the connection registry. */
  Future<Void> cancel();

  /** The id this subscription has in the connection registry. */
  String connectionId();

  /**
   * Completes with the reason delivery ended: {@code cancelled}, or the registry's reason when it
   * closed the subscription ({@code banned}, {@code displaced}, {@code lifetime_expired}, {@code draining}, {@code expired}).
   */
  Future<String> closed();
}
