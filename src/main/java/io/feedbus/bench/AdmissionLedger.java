package io.feedbus.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The callers' own count of the stream slots each uid holds at once, to catch over-admissions.
 *
 * <p>A slot counts as held from the admitted reply until just before its release is sent, a span
 * inside the one the broker holds it for (taken before the reply, freed after the release arrives).
 * So the ledger never holds more than the broker did: any moment above the limit here is a real
 * over-admission, never an artefact of timing. A reply that reports more streams than the limit
 * counts too. Thread-safe: callers run on several event loops.
 */
final class AdmissionLedger {

  private final int limit;
  private final ConcurrentHashMap<String, AtomicInteger> held = new ConcurrentHashMap<>();
  private final LongAdder overAdmissions = new LongAdder();
  private final AtomicInteger mostHeld = new AtomicInteger();

  AdmissionLedger(int limit) {
    this.limit = limit;
  }

  /**
   * An acquire of {@code uid} was admitted, its reply saying the uid now holds {@code reportedCount}
   * streams; returns false when that makes an over-admission.
   */
  boolean admitted(String uid, int reportedCount) {
    int now = held.computeIfAbsent(uid, u -> new AtomicInteger()).incrementAndGet();
    mostHeld.accumulateAndGet(now, Math::max);
    if (now > limit || reportedCount > limit) {
      overAdmissions.increment();
      return false;
    }
    return true;
  }

  /** The caller is about to release one slot of {@code uid}: from now on it no longer counts as held. */
  void releasing(String uid) {
    held.get(uid).decrementAndGet();
  }

  long overAdmissions() {
    return overAdmissions.sum();
  }

  /** The most slots one uid held at once, as the callers saw it. */
  int mostHeld() {
    return mostHeld.get();
  }
}
