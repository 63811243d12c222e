package io.feedbus.client;

import io.vertx.core.Future;

/** A running subscription to one topic. */
public interface Subscription {

  String topic();

  /** The cursor of the last event handed to the handler (hand it back to resume), or the start cursor. */
  String lastCursor();

  /** True once history is replayed and events arrive live. */
  boolean live();

  /** Stops delivery. */
  Future<Void> cancel();
}
