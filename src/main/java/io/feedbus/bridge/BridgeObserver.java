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

  /** A frame from a browser was refused with an error code ({@code forbidden}, {@code not_authenticated}, ...). */
  default void refused(BrowserConnection connection, String code) {
  }
}
