package io.feedbus.store.rethinkdb;

import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff with jitter: attempt {@code n} waits between half and all of
 * {@code min(max, initial * 2^n)}, so nodes that lost the server together do not return together.
 */
final class Backoff {

  private final long initialMillis;
  private final long maxMillis;
  private final DoubleSupplier random;

  Backoff(long initialMillis, long maxMillis, DoubleSupplier random) {
    if (initialMillis < 1 || maxMillis < initialMillis) {
      throw new IllegalArgumentException("need 1 <= initial <= max, got " + initialMillis + ", " + maxMillis);
    }
    this.initialMillis = initialMillis;
    this.maxMillis = maxMillis;
    this.random = random;
  }

  Backoff(long initialMillis, long maxMillis) {
    this(initialMillis, maxMillis, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
  }

  /** The ceiling for attempt {@code attempt} (0-based), before jitter. */
  long ceiling(int attempt) {
    if (attempt >= 62 || initialMillis << Math.min(attempt, 62) <= 0) {
      return maxMillis;
    }
    return Math.min(maxMillis, initialMillis << attempt);
  }

  /** How long to wait before attempt {@code attempt} (0-based): in {@code [ceiling/2, ceiling]}. */
  long delay(int attempt) {
    long ceiling = ceiling(attempt);
    long half = ceiling / 2;
    return half + Math.round((ceiling - half) * random.getAsDouble());
  }
}
