package io.feedbus.store;

import io.feedbus.event.Event;

/** Receives a change stream's events and its engine's state changes. */
public interface ChangeListener {

  void onEvent(Event event);

  /** Engine notices: connected, disconnected, reconnected, error (see {@link StoreStatus}). */
  default void onStatus(StoreStatus status) {
  }
}
