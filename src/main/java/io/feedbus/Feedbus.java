package io.feedbus;

import io.feedbus.bridge.BridgeObserver;
import io.feedbus.bridge.BrowserAuth;
import io.feedbus.bridge.BrowserBridge;
import io.feedbus.bridge.BrowserRoutes;
import io.feedbus.feed.FeedVerticle;
import io.feedbus.feed.RetentionVerticle;
import io.feedbus.http.HttpErrors;
import io.feedbus.http.HttpVerticle;
import io.feedbus.http.TimelineRoutes;
import io.feedbus.presence.BridgeConnections;
import io.feedbus.presence.ConnectionRegistryVerticle;
import io.feedbus.presence.PresenceObserver;
import io.feedbus.presence.PresenceRoutes;
import io.feedbus.publish.GroupCommitter;
import io.feedbus.publish.PublishVerticle;
import io.feedbus.store.ConnectionStore;
import io.feedbus.store.EventLog;
import io.feedbus.store.embedded.EmbeddedConnectionStore;
import io.feedbus.store.rethinkdb.RethinkDbConnectionStore;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.store.rethinkdb.RethinkDbEventLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.feedbus.ops.FeedbusMetrics;
import io.feedbus.ops.OpsRoutes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running feedbus node: starts (clustered) Vert.x when asked to, opens the configured engine,
 * deploys the feed, publish and HTTP verticles, and closes them again in reverse order.
 */
public final class Feedbus {

  private static final Logger LOG = LoggerFactory.getLogger(Feedbus.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final FeedbusOptions options;
  private final String nodeId;
  private final FeedbusMetrics metrics;
  private final Deque<String> deployments = new ArrayDeque<>();
  private EventLog log;
  private ConnectionStore connections;
  private HttpVerticle http;
  private FeedVerticle feed;
  private BrowserAuth browserAuth;
  private BrowserBridge browserBridge;
  private boolean closed;

  private Feedbus(Vertx vertx, boolean ownsVertx, FeedbusOptions options, String nodeId, FeedbusMetrics metrics) {
    this.metrics = metrics;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    this.nodeId = nodeId;
  }

  /** Starts a node on its own Vert.x instance (clustered when the options say so), with Vert.x metrics. */
  public static Future<Feedbus> start(FeedbusOptions options) {
    options.validate();
    PrometheusMeterRegistry registry = FeedbusMetrics.newRegistry();
    VertxOptions vertxOptions = new VertxOptions()
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    io.vertx.core.VertxBuilder builder = Vertx.builder().with(vertxOptions).withMetrics(new MicrometerMetricsFactory(registry));
    Future<Vertx> vertx;
    if (options.cluster().enabled) {
      vertx = clusterManager(options.cluster()).compose(cm -> builder.withClusterManager(cm).buildClustered());
    } else {
      vertx = Future.succeededFuture(builder.build());
    }
    return vertx.compose(v -> start(v, true, options, registry, null).recover(e -> v.close().transform(x -> Future.failedFuture(e))));
  }

  /** Starts a node on a Vert.x instance the caller owns (and closes). */
  public static Future<Feedbus> start(Vertx vertx, FeedbusOptions options) {
    return start(vertx, false, options, FeedbusMetrics.newRegistry(), null);
  }

  /** Starts a node on an engine the caller opened (embedding, tests); the node closes it on {@link #close()}. */
  public static Future<Feedbus> start(Vertx vertx, FeedbusOptions options, EventLog eventLog) {
    return start(vertx, false, options, FeedbusMetrics.newRegistry(), eventLog);
  }

  private static Future<Feedbus> start(Vertx vertx, boolean ownsVertx, FeedbusOptions options, PrometheusMeterRegistry registry,
      EventLog eventLog) {
    options.validate();
    String nodeId = options.nodeId() != null ? options.nodeId()
        : vertx.isClustered() ? ((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId()
        : "node-" + UUID.randomUUID().toString().substring(0, 8);
    Feedbus node = new Feedbus(vertx, ownsVertx, options, nodeId, new FeedbusMetrics(registry));
    node.log = eventLog;
    return node.deploy().map(node).recover(e -> node.close().transform(x -> Future.failedFuture(e)));
  }

  private Future<Void> deploy() {
    LOG.info("feedbus node {} starting: store={} http={}:{} cluster={}", nodeId, options.store().type,
        options.http().host, options.http().port, options.cluster().enabled);
    return (log != null ? Future.succeededFuture(log) : openEventLog())
        .compose(l -> {
          log = l;
          feed = new FeedVerticle(log, nodeId, options.history(), metrics);
          return deploy(feed);
        })
        .compose(v -> deploy(new RetentionVerticle(log, options.retention())))
        .compose(v -> deploy(new PublishVerticle(log, nodeId, options.publish(), metrics)))
        .compose(v -> openConnectionStore().onSuccess(c -> connections = c))
        .compose(c -> deploy(new ConnectionRegistryVerticle(c, nodeId, options.presence(), presenceObserver())))
        .compose(v -> BrowserAuth.create(vertx, options.auth()).onSuccess(a -> browserAuth = a).mapEmpty())
        .compose(v -> {
          BridgeConnections bridgeConnections = new BridgeConnections(vertx);
          http = new HttpVerticle(options.http(), router -> {
            HttpErrors.install(router);
            TimelineRoutes.mount(router, vertx, options.publish().maxPayloadBytes);
            OpsRoutes.mount(router, vertx, metrics, this::feedStatus, () -> log != null && !closed);
            PresenceRoutes.mount(router, vertx);
            browserBridge = BrowserRoutes.mount(router, vertx, browserAuth, options.bridge(), metrics, bridgeConnections);
            bridgeConnections.bridge(browserBridge);
          });
          return deploy(http);
        })
        .onSuccess(v -> {
          if (vertx.isClustered() && !log.sharedAcrossNodes()) {
            LOG.info("clustered on the embedded engine: this node's timeline is its own; run one broker node, or share RethinkDB");
          }
        })
        .onSuccess(v -> LOG.info("feedbus node {} ready on http://{}:{}", nodeId, options.http().host, http.actualPort()))
        .mapEmpty();
  }

  private Future<EventLog> openEventLog() {
    switch (options.store().type) {
      case embedded:
        return EmbeddedEventLog.open(vertx, Path.of(options.store().embedded.dataDir), options.store().embedded.fsync).map(l -> l);
      case rethinkdb:
        return RethinkDbEventLog.open(vertx, options.store().rethinkdb, nodeId).map(l -> l);
      default:
        return Future.failedFuture(new ConfigException("store.type = " + options.store().type + ": unknown engine"));
    }
  }

  /** The connection registry's engine: the same kind as the event log's ({@code store.type}). */
  private Future<ConnectionStore> openConnectionStore() {
    if (options.store().type == FeedbusOptions.StoreType.rethinkdb) {
      return RethinkDbConnectionStore.open(vertx, options.store().rethinkdb).map(c -> c);
    }
    return EmbeddedConnectionStore.open(vertx, Path.of(options.store().embedded.dataDir)).map(c -> c);
  }

  private PresenceObserver presenceObserver() {
    java.util.concurrent.atomic.AtomicLong liveHere = new java.util.concurrent.atomic.AtomicLong();
    metrics.connectionsLive(liveHere::get);
    return new PresenceObserver() {
      @Override
      public void admission(boolean accepted) {
        metrics.admission(accepted);
      }

      @Override
      public void connectionsOnThisNode(long count) {
        liveHere.set(count);
      }
    };
  }

  /** The connection registry's engine (shared by every node on RethinkDB). */
  public ConnectionStore connectionStore() {
    return connections;
  }

  private Future<Void> deploy(io.vertx.core.Deployable verticle) {
    return vertx.deployVerticle(verticle).onSuccess(deployments::push).mapEmpty();
  }

  /**
   * Stops in reverse order: browser connections are told why and closed, HTTP (no new requests), then publishing (every accepted publish is
   * written or failed), then the feed, then the engine; closes Vert.x when this node created it.
   */
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    LOG.info("feedbus node {} stopping: closing client connections, draining publishes", nodeId);
    if (browserBridge != null) {
      browserBridge.closeAll("shutting_down", "this node is shutting down; reconnect with your last cursor");
    }
    Future<Void> chain = Future.succeededFuture();
    while (!deployments.isEmpty()) {
      String id = deployments.pop();
      chain = chain.eventually(() -> vertx.undeploy(id));
    }
    chain = chain.eventually(() -> connections == null ? Future.succeededFuture() : connections.close());
    chain = chain.eventually(() -> log == null ? Future.succeededFuture() : log.close());
    if (ownsVertx) {
      chain = chain.eventually(vertx::close);
    }
    return chain.onComplete(ar -> LOG.info("feedbus node {} stopped", nodeId));
  }

  /** This node's meters (Prometheus), also served at {@code /metrics}. */
  public FeedbusMetrics metrics() {
    return metrics;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  public FeedbusOptions options() {
    return options;
  }

  public EventLog eventLog() {
    return log;
  }

  /** The SockJS bridge for browsers: its open sockets and its drop / disconnect / refusal counters. */
  public BrowserBridge browserBridge() {
    return browserBridge;
  }

  /** The last notice the engine's change stream gave (connected, disconnected, ...), or null. */
  public io.feedbus.store.StoreStatus feedStatus() {
    return feed == null ? null : feed.lastStatus();
  }

  /** The HTTP port this node listens on. */
  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  private static Future<HazelcastClusterManager> clusterManager(FeedbusOptions.Cluster cluster) {
    Path file = Path.of(cluster.configFile);
    try {
      com.hazelcast.config.Config config = Files.exists(file)
          ? new com.hazelcast.config.FileSystemXmlConfig(file.toFile())
          : ConfigUtil.loadConfig();
      return Future.succeededFuture(new HazelcastClusterManager(config));
    } catch (Exception e) {
      return Future.failedFuture(new ConfigException("cluster.configFile = '" + file + "': " + e.getMessage()));
    }
  }
}
