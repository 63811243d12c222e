package io.feedbus.bridge;

/** What the browser bridge reports to whoever measures it (metrics); every method is optional. */
public interface BridgeObserver {

  BridgeObserver NONE = new BridgeObserver() { };

  /** {@code count} events were not written to a slow browser. */
  default void dropped(BrowserConnection connection, int count) {
  }

  /** The bridge closed a browser's connection, e.g. {@code slow_consumer} or {@code token_expired}. */
  default void disconnected(BrowserConnection connection, String reason) {
  }

  /**
   * A frame from a browser was refused with an error code: its rights ({@code forbidden},
   * {@code not_authenticated}, ...) or its socket's bounds ({@code too_many_requests},
   * {@code too_many_subscriptions}, and {@code slow_consumer} when an answer did not fit its queue).
   */
  default void refused(BrowserConnection connection, String code) {
  }
}
