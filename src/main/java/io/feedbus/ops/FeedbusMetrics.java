package io.feedbus.ops;

import io.feedbus.bridge.BridgeObserver;
import io.feedbus.bridge.BridgeSockets;
import io.feedbus.bridge.BrowserConnection;
import io.feedbus.event.Event;
import io.feedbus.feed.FeedVerticle;
import io.feedbus.publish.GroupCommitter;
import io.feedbus.store.StoreStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * feedbus's own meters, fed by the observer seams of the publish path, the feed, the browser bridge
 * and (through plain methods) the connection registry and admission. Every meter carries a
 * {@code node} tag, so several nodes can share one registry.
 *
 * <p>Prometheus names (Micrometer adds the unit and {@code _total}):
 * <ul>
 *   <li>{@code feedbus_events_published_total}, {@code feedbus_events_delivered_total}</li>
 *   <li>{@code feedbus_publish_latency_seconds} (submit to durable ack, per event; histogram)</li>
 *   <li>{@code feedbus_publish_batch_seconds} (one store write; histogram), {@code feedbus_publish_batch_events}</li>
 *   <li>{@code feedbus_feed_lag_seconds} (delivery time minus the event's {@code ts}; histogram)</li>
 *   <li>{@code feedbus_store_up} (1 connected, 0 not), {@code feedbus_store_reconnects_total}, {@code feedbus_store_disconnects_total},
 *       {@code feedbus_store_feed_stalls_total} (disconnects because the feed stopped moving)</li>
 *   <li>{@code feedbus_connections_live} ({@link #connectionOpened} / {@link #connectionClosed})</li>
 *   <li>{@code feedbus_admission_accepted_total}, {@code feedbus_admission_refused_total{reason}}</li>
 *   <li>{@code feedbus_bridge_dropped_total}, {@code feedbus_bridge_disconnected_total{reason}}, {@code feedbus_bridge_refused_total{code}}</li>
 * </ul>
 */
public final class FeedbusMetrics implements GroupCommitter.Observer, FeedVerticle.Observer, BridgeObserver {

  private final MeterRegistry registry;
  private final boolean ownsRegistry;
  private final Tags tags;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final Map<String, Counter> taggedCounters = new ConcurrentHashMap<>();
  private final AtomicInteger liveConnections = new AtomicInteger();
  private final AtomicInteger storeUp = new AtomicInteger();
  private final Counter published;
  private final Counter delivered;
  private final Timer publishLatency;
  private final Timer batchLatency;
  private final DistributionSummary batchSize;
  private final Timer feedLag;
  private final Counter reconnects;
  private final Counter disconnects;
  private final Counter stalls;
  private final Counter admissionAccepted;
  private final Counter bridgeDropped;

  /** Meters for {@code nodeId} in {@code registry}; {@code ownsRegistry}: {@link #close} closes it too. */
  public FeedbusMetrics(MeterRegistry registry, boolean ownsRegistry, String nodeId) {
    this.registry = registry;
    this.ownsRegistry = ownsRegistry;
    this.tags = Tags.of("node", nodeId);
    published = keep(Counter.builder("feedbus.events.published").description("Events acknowledged as durable").tags(tags).register(registry));
    delivered = keep(Counter.builder("feedbus.events.delivered").description("Events the feed delivered on the event bus").tags(tags).register(registry));
    publishLatency = keep(histogram(Timer.builder("feedbus.publish.latency").description("From accepting a publish to its durable ack")));
    batchLatency = keep(histogram(Timer.builder("feedbus.publish.batch").description("One group-commit write to the store")));
    batchSize = keep(DistributionSummary.builder("feedbus.publish.batch.events").description("Events per group-commit write")
        .baseUnit("events").tags(tags).publishPercentileHistogram().register(registry));
    feedLag = keep(histogram(Timer.builder("feedbus.feed.lag").description("Delivery time minus the event's timestamp")));
    reconnects = keep(Counter.builder("feedbus.store.reconnects").description("Times the store came back after a disconnect").tags(tags).register(registry));
    disconnects = keep(Counter.builder("feedbus.store.disconnects").description("Times the store went away").tags(tags).register(registry));
    stalls = keep(Counter.builder("feedbus.store.feed.stalls").description("Times the store's change feed stopped moving while connected and was reopened")
        .tags(tags).register(registry));
    keep(Gauge.builder("feedbus.store.up", storeUp, AtomicInteger::get).description("1 while the store is connected").tags(tags).register(registry));
    keep(Gauge.builder("feedbus.connections.live", liveConnections, AtomicInteger::get).description("Client connections open on this node").tags(tags).register(registry));
    admissionAccepted = keep(Counter.builder("feedbus.admission.accepted").description("Streams admission let in").tags(tags).register(registry));
    bridgeDropped = keep(Counter.builder("feedbus.bridge.dropped").description("Events not written to slow browsers").tags(tags).register(registry));
  }

  /** A Prometheus registry for one node (used when Vert.x has no metrics of its own to share). */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public MeterRegistry registry() {
    return registry;
  }

  private Timer histogram(Timer.Builder builder) {
    return builder.tags(tags).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  // ------------------------------------------------------------------ publish path

  @Override
  public void committed(List<Event> batch, long nanos) {
    batchLatency.record(nanos, TimeUnit.NANOSECONDS);
    batchSize.record(batch.size());
    published.increment(batch.size());
  }

  @Override
  public void acknowledged(Event event, long nanos) {
    publishLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  // ------------------------------------------------------------------ feed

  @Override
  public void delivered(Event event) {
    delivered.increment();
    feedLag.record(Math.max(0, System.currentTimeMillis() - event.ts()), TimeUnit.MILLISECONDS);
  }

  @Override
  public void status(StoreStatus status) {
    switch (status.state()) {
      case CONNECTED:
        storeUp.set(1);
        break;
      case RECONNECTED:
        storeUp.set(1);
        reconnects.increment();
        break;
      case DISCONNECTED:
        storeUp.set(0);
        disconnects.increment();
        if (status.stalled()) {
          stalls.increment();
        }
        break;
      default:
        storeUp.set(0);
    }
  }

  // ------------------------------------------------------------------ connections and admission

  /** A client connection (any transport) opened on this node. */
  public void connectionOpened() {
    liveConnections.incrementAndGet();
  }

  /** Sets the live connections of this node to the registry's own count (every transport). */
  public void connectionsLive(long count) {
    liveConnections.set((int) Math.min(Integer.MAX_VALUE, count));
  }

  /** A client connection of this node closed, however it ended. */
  public void connectionClosed() {
    liveConnections.updateAndGet(n -> Math.max(0, n - 1));
  }

  /** Admission let {@code uid} stream (the uid is not a tag: too many values). */
  public void admissionAccepted(String uid) {
    admissionAccepted.increment();
  }

  /** Admission refused {@code uid}; {@code reason} is a short code such as {@code limit_reached} or {@code banned}. */
  public void admissionRefused(String uid, String reason) {
    tagged("feedbus.admission.refused", "Streams admission refused", "reason", reason).increment();
  }

  /** {@code count} events were not written to a slow client. */
  public void bridgeDropped(int count) {
    bridgeDropped.increment(count);
  }

  @Override
  public void dropped(BrowserConnection connection, int count) {
    bridgeDropped(count);
  }

  @Override
  public void disconnected(BrowserConnection connection, String reason) {
    tagged("feedbus.bridge.disconnected", "Browsers the bridge disconnected", "reason", reason).increment();
  }

  @Override
  public void refused(BrowserConnection connection, String code) {
    tagged("feedbus.bridge.refused", "Browser frames refused", "code", code).increment();
  }

  private Counter tagged(String name, String description, String key, String value) {
    String v = value == null ? "unknown" : value;
    return taggedCounters.computeIfAbsent(name + '\u0000' + v,
        k -> keep(Counter.builder(name).description(description).tags(tags).tag(key, v).register(registry)));
  }

  /** Removes this node's meters; closes the registry when this node created it. */
  public void close() {
    meters.forEach(registry::remove);
    meters.clear();
    if (ownsRegistry) {
      registry.close();
    }
  }
}
