package io.feedbus.bridge;

import io.feedbus.FeedbusOptions;
import java.util.List;

/** The SockJS bridge for browsers ({@code bridge} in the config): per-socket bounds and liveness. */
public final class BridgeOptions {

  /** What happens to a browser that reads slower than its events arrive. */
  public enum SlowConsumerPolicy {
    /** Skip events while its queue is full; tell it once per episode on {@code feedbus.bridge.dropped}. */
    drop,
    /** Close its connection with a reason. */
    disconnect
  }

  /** Messages written to a socket but not yet flushed to the network, at most. */
  public int maxQueuedMessages = 1000;
  /** Bytes written to a socket but not yet flushed to the network, at most. */
  public long maxWriteQueueBytes = 4L * 1024 * 1024;
  public SlowConsumerPolicy slowConsumerPolicy = SlowConsumerPolicy.drop;
  /** A browser that sends no ping for this long is disconnected (the JS client pings every 5 s). */
  public long pingTimeoutMillis = 10_000;
  /** Addresses one browser may listen on at once; one more is refused with 429 {@code too_many_subscriptions}. */
  public int maxSubscriptionsPerSocket = 100;
  /**
   * Requests (sends to {@code feedbus.publish} and {@code feedbus.history}) one browser may have
   * awaiting their answer; one more is refused at once with 429 {@code too_many_requests}, and never
   * reaches the service.
   */
  public int maxRequestsInFlight = 64;
  /**
   * Bytes one HTTP request of the XHR and JSONP transports may carry (the frames a browser sends,
   * batched while an earlier request is in flight); larger requests are refused with 413.
   */
  public long maxSendRequestBytes = 4L * 1024 * 1024;

  /** Adds a line per bad field to {@code problems}, each prefixed with {@code prefix}. */
  public void validate(String prefix, List<String> problems) {
    FeedbusOptions.range(problems, prefix + ".maxQueuedMessages", maxQueuedMessages, 1, 1_000_000);
    FeedbusOptions.range(problems, prefix + ".maxWriteQueueBytes", maxWriteQueueBytes, 1024, 1024L * 1024 * 1024);
    FeedbusOptions.range(problems, prefix + ".pingTimeoutMillis", pingTimeoutMillis, 1_000, 3_600_000);
    FeedbusOptions.range(problems, prefix + ".maxSubscriptionsPerSocket", maxSubscriptionsPerSocket, 1, 10_000);
    FeedbusOptions.range(problems, prefix + ".maxRequestsInFlight", maxRequestsInFlight, 1, 10_000);
    FeedbusOptions.range(problems, prefix + ".maxSendRequestBytes", maxSendRequestBytes, 1024, 1024L * 1024 * 1024);
    if (slowConsumerPolicy == null) {
      problems.add(prefix + ".slowConsumerPolicy = null: must be one of drop, disconnect");
    }
  }
}
