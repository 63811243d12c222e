package io.feedbus.ops;

import io.feedbus.bridge.BridgeObserver;
import io.feedbus.bridge.BrowserConnection;
import io.feedbus.event.Event;
import io.feedbus.feed.FeedVerticle;
import io.feedbus.publish.GroupCommitter;
import io.feedbus.store.StoreStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * feedbus's own meters, in the Prometheus registry that also holds Vert.x's metrics when feedbus
 * created the Vert.x instance. Names (Prometheus form): {@code feedbus_events_published_total},
 * {@code feedbus_events_delivered_total}, {@code feedbus_publish_latency_seconds},
 * {@code feedbus_publish_batch_size}, {@code feedbus_feed_lag_seconds},
 * {@code feedbus_store_reconnects_total}, {@code feedbus_store_disconnects_total},
 * {@code feedbus_connections_live}, {@code feedbus_admission_total{result}},
 * {@code feedbus_bridge_dropped_total}, {@code feedbus_bridge_disconnects_total},
 * {@code feedbus_bridge_refused_total}.
 */
public final class FeedbusMetrics implements GroupCommitter.Observer, FeedVerticle.Observer, BridgeObserver {

  private final PrometheusMeterRegistry registry;
  private final Counter published;
  private final Counter delivered;
  private final Timer publishLatency;
  private final DistributionSummary batchSize;
  private final Timer feedLag;
  private final Counter reconnects;
  private final Counter disconnects;
  private final Counter admissionAccepted;
  private final Counter admissionRefused;
  private final Counter bridgeDropped;
  private final Counter bridgeDisconnects;
  private final Counter bridgeRefused;

  /** Registers feedbus's meters in {@code registry} (Prometheus adds the scraped instance as a label). */
  public FeedbusMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    published = Counter.builder("feedbus.events.published").description("Events acknowledged to publishers").register(registry);
    delivered = Counter.builder("feedbus.events.delivered").description("Events the feed delivered on the event bus").register(registry);
    publishLatency = Timer.builder("feedbus.publish.latency").description("From publish request to durable ack")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    batchSize = DistributionSummary.builder("feedbus.publish.batch.size").description("Events per store write (group commit)")
        .register(registry);
    feedLag = Timer.builder("feedbus.feed.lag").description("From the event's timestamp to its delivery by the feed")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
    reconnects = Counter.builder("feedbus.store.reconnects").description("Times the store connection came back").register(registry);
    disconnects = Counter.builder("feedbus.store.disconnects").description("Times the store connection was lost").register(registry);
    admissionAccepted = Counter.builder("feedbus.admission").tag("result", "accepted").register(registry);
    admissionRefused = Counter.builder("feedbus.admission").tag("result", "refused").register(registry);
    bridgeDropped = Counter.builder("feedbus.bridge.dropped").description("Events not written to slow browsers").register(registry);
    bridgeDisconnects = Counter.builder("feedbus.bridge.disconnects").description("Browser connections closed by the bridge").register(registry);
    bridgeRefused = Counter.builder("feedbus.bridge.refused").description("Browser frames refused").register(registry);
  }

  /** A registry of its own, for a node on a Vert.x instance it did not create. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Reports {@code count} as the live client connections of this node. */
  public void connectionsLive(Supplier<Number> count) {
    Gauge.builder("feedbus.connections.live", () -> count.get().doubleValue())
        .description("Live client connections on this node").register(registry);
  }

  public void admission(boolean accepted) {
    (accepted ? admissionAccepted : admissionRefused).increment();
  }

  @Override
  public void committed(List<Event> batch, long nanos) {
    batchSize.record(batch.size());
  }

  @Override
  public void acknowledged(Event event, long nanos) {
    published.increment();
    publishLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void delivered(Event event) {
    delivered.increment();
    feedLag.record(Math.max(0, System.currentTimeMillis() - event.ts()), TimeUnit.MILLISECONDS);
  }

  @Override
  public void status(StoreStatus status) {
    if (status.state() == StoreStatus.State.RECONNECTED) {
      reconnects.increment();
    } else if (status.state() == StoreStatus.State.DISCONNECTED) {
      disconnects.increment();
    }
  }

  @Override
  public void dropped(BrowserConnection connection, int count) {
    bridgeDropped.increment(count);
  }

  @Override
  public void disconnected(BrowserConnection connection, String reason) {
    bridgeDisconnects.increment();
  }

  @Override
  public void refused(BrowserConnection connection, String code) {
    bridgeRefused.increment();
  }
}
