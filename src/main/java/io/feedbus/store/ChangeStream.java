package io.feedbus.store;

import io.feedbus.event.Cursor;
import io.vertx.core.Future;

/** A running change stream; closing it stops delivery. */
public interface ChangeStream {

  /** The cursor of the last event delivered, or the start bound when none was. */
  Cursor position();

  Future<Void> close();
}
