package io.feedbus.store;

import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import java.util.Set;

/**
 * An append that stored some events of its batch and not others: the publishers of the stored ones
 * are acknowledged, the others get this failure's status, code and message.
 */
public final class PartialAppendException extends FeedbusException {

  private final Set<String> stored;

  public PartialAppendException(FeedbusException failure, Set<String> storedIds) {
    super(failure.status(), failure.code(), failure.getMessage(), failure);
    this.stored = Set.copyOf(storedIds);
  }

  /** True when {@code event} is durable despite the failure. */
  public boolean stored(Event event) {
    return stored.contains(event.id());
  }

  public int storedCount() {
    return stored.size();
  }
}
