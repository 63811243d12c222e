package io.feedbus;

import io.feedbus.auth.Authenticator;
import io.feedbus.event.Nodes;
import io.feedbus.bridge.BrowserBridge;
import io.feedbus.bridge.BrowserRoutes;
import io.feedbus.feed.FeedVerticle;
import io.feedbus.feed.RetentionVerticle;
import io.feedbus.http.HttpAuth;
import io.feedbus.http.HttpErrors;
import io.feedbus.http.HttpVerticle;
import io.feedbus.http.StreamRoutes;
import io.feedbus.http.TimelineRoutes;
import io.feedbus.ops.FeedbusMetrics;
import io.feedbus.ops.OpsRoutes;
import io.feedbus.ops.ShutdownSequence;
import io.feedbus.presence.BridgeConnections;
import io.feedbus.presence.ConnectionRegistryVerticle;
import io.feedbus.presence.PresenceObserver;
import io.feedbus.presence.PresenceRoutes;
import io.feedbus.publish.PublishVerticle;
import io.feedbus.store.ConnectionStore;
import io.feedbus.store.EventLog;
import io.feedbus.store.embedded.EmbeddedConnectionStore;
import io.feedbus.store.embedded.EmbeddedNodeId;
import io.feedbus.store.rethinkdb.RethinkDbConnectionStore;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.store.rethinkdb.RethinkDbEventLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
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
  /** Whether {@link #close()} closes the Vert.x too (not while a failed start unwinds: its caller does). */
  private boolean ownsVertx;
  private final FeedbusOptions options;
  private final String nodeId;
  private final Deque<String> deployments = new ArrayDeque<>();
  private EventLog log;
  private ConnectionStore connections;
  private HttpVerticle http;
  private FeedVerticle feed;
  private PublishVerticle publish;
  private ConnectionRegistryVerticle registryVerticle;
  private static final String CLUSTER_MAP = "feedbus.cluster";
  private static final String EMBEDDED_BROKER = "embedded-broker";
  private io.vertx.core.shareddata.AsyncMap<String, String> embeddedBrokerClaim;
  private java.util.UUID membershipListener;
  private Authenticator authenticator;
  private BrowserBridge browserBridge;
  private final List<Supplier<Future<?>>> connectionClosers = new CopyOnWriteArrayList<>();
  private final MeterRegistry registry;
  private final boolean ownsRegistry;
  private EventLog providedLog;
  private FeedbusMetrics metrics;
  private StreamRoutes streams;
  private String publishDeployment;
  private volatile boolean shuttingDown;
  /** The start failed and {@link #close()} unwinds it: its phases are logged at DEBUG, the cause is the news. */
  private boolean startFailed;
  private Future<Void> closing;

  private Feedbus(Vertx vertx, boolean ownsVertx, FeedbusOptions options, String nodeId, MeterRegistry registry, boolean ownsRegistry) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    this.nodeId = nodeId;
    this.registry = registry;
    this.ownsRegistry = ownsRegistry;
  }

  /** Starts a node on its own Vert.x instance (clustered when the options say so). */
  public static Future<Feedbus> start(FeedbusOptions options) {
    options.validate();
    // Vert.x's own meters and feedbus's go to one Prometheus registry, served at /metrics.
    PrometheusMeterRegistry registry = FeedbusMetrics.newRegistry();
    VertxOptions vertxOptions = new VertxOptions().setEventLoopPoolSize(options.ops().eventLoops);
    VertxBuilder builder = Vertx.builder();
    if (options.ops().vertxMetrics) {
      // No event-bus meters: Vert.x looks up several meters by address for every message (a tenth of the
      // publish path's CPU in a profile), and feedbus's own meters count what goes through the bus.
      vertxOptions.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
          .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.EVENT_BUS)
          .setJvmMetricsEnabled(true).setRegistryName("feedbus-" + UUID.randomUUID()));
      builder.withMetrics(new MicrometerMetricsFactory(registry));
    }
    builder.with(vertxOptions);
    Future<Vertx> vertx;
    if (options.cluster().enabled) {
      vertx = clusterManager(options.cluster()).compose(cm -> builder.withClusterManager(cm).buildClustered());
    } else {
      vertx = Future.succeededFuture(builder.build());
    }
    // Not chained on the node's own Vert.x: when the start fails, that Vert.x is closed, and a future
    // bound to one of its contexts would never tell the caller.
    io.vertx.core.Promise<Feedbus> result = io.vertx.core.Promise.promise();
    vertx.onComplete(built -> {
      if (built.failed()) {
        registry.close();
        result.fail(built.cause());
        return;
      }
      Vertx v = built.result();
      start(v, true, options, null, registry).onComplete(started -> {
        if (started.succeeded()) {
          result.complete(started.result());
        } else {
          v.close().onComplete(closed -> {
            registry.close();
            result.fail(started.cause());
          });
        }
      });
    });
    return result.future();
  }

  /** Starts a node on a Vert.x instance the caller owns (and closes). */
  public static Future<Feedbus> start(Vertx vertx, FeedbusOptions options) {
    return start(vertx, false, options, null, null);
  }

  /**
   * Starts a node on a caller-owned Vert.x with an engine the caller opened (tests wrap engines this
   * way); the node closes {@code eventLog} when it closes.
   */
  public static Future<Feedbus> start(Vertx vertx, FeedbusOptions options, EventLog eventLog) {
    return start(vertx, false, options, eventLog, null);
  }

  private static Future<Feedbus> start(Vertx vertx, boolean ownsVertx, FeedbusOptions options, EventLog eventLog, MeterRegistry registry) {
    options.validate();
    return nodeId(vertx, options, eventLog).compose(nodeId -> start(vertx, ownsVertx, options, eventLog, registry, nodeId));
  }

  /**
   * The configured {@code nodeId}; else, clustered, the cluster member id; else, on the embedded
   * engine, the id kept in the data directory (so counts per server and cursor tags stay the same
   * across restarts); else a new one.
   */
  private static Future<String> nodeId(Vertx vertx, FeedbusOptions options, EventLog eventLog) {
    if (options.nodeId() != null) {
      return Future.succeededFuture(options.nodeId());
    }
    if (vertx.isClustered()) {
      return Future.succeededFuture(((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId());
    }
    if (eventLog == null && options.store().type == FeedbusOptions.StoreType.embedded) {
      return EmbeddedNodeId.load(vertx, Path.of(options.store().embedded.dataDir));
    }
    return Future.succeededFuture(Nodes.newId());
  }

  private static Future<Feedbus> start(Vertx vertx, boolean ownsVertx, FeedbusOptions options, EventLog eventLog,
                                       MeterRegistry registry, String nodeId) {
    boolean ownsRegistry = true;
    if (registry == null) {
      // A caller's Vert.x with Prometheus metrics on its default registry: share it; else our own.
      MeterRegistry shared = vertx.isMetricsEnabled() ? BackendRegistries.getDefaultNow() : null;
      ownsRegistry = !(shared instanceof PrometheusMeterRegistry);
      registry = ownsRegistry ? FeedbusMetrics.newRegistry() : shared;
    }
    Feedbus node = new Feedbus(vertx, ownsVertx, options, nodeId, registry, ownsRegistry);
    node.providedLog = eventLog;
    return node.deploy().map(node).recover(e -> {
      node.ownsVertx = false;
      node.startFailed = true;
      return node.close().transform(x -> Future.failedFuture(e));
    });
  }

  private Future<Void> deploy() {
    try {
      Nodes.register(vertx, nodeId);
    } catch (IllegalStateException e) {
      return Future.failedFuture(new ConfigException(e.getMessage() + ": run one broker node per Vert.x instance"));
    }
    LOG.info("feedbus node {} starting: store={} http={}:{} cluster={}", nodeId, options.store().type,
        options.http().host, options.http().port, options.cluster().enabled);
    metrics = new FeedbusMetrics(registry, ownsRegistry, nodeId);
    if (options.auth().openManagement) {
      LOG.warn("auth.openManagement is on: anyone who reaches http://{}:{} may drain this node, ban users, change caps and read"
          + " every connection; fine on a development machine, never on a network (turn it off and set auth.apiKeys)",
          options.http().host, options.http().port);
    }
    if (options.auth().anonymousAllowed()) {
      LOG.info("anonymous access is on: callers without a credential have auth.anonymousRights {}", anonymousRightsText());
    }
    return openEventLog()
        .compose(l -> clusterRole(l).map(l))
        .compose(l -> {
          log = l;
          feed = new FeedVerticle(log, nodeId, options.history(), metrics);
          return deploy(feed);
        })
        .compose(v -> deploy(new RetentionVerticle(log, options.retention())))
        .compose(v -> {
          // The publish service, the feed and HTTP on one event loop (see EventLoopPlacement).
          EventLoopPlacement.nextContextOn(vertx, feed.context());
          publish = new PublishVerticle(log, nodeId, options.publish(), metrics);
          return deploy(publish).onSuccess(id -> publishDeployment = id);
        })
        .compose(v -> openConnectionStore().onSuccess(c -> connections = c))
        .compose(c -> {
          registryVerticle = new ConnectionRegistryVerticle(c, nodeId, options.presence(), presenceObserver());
          return deploy(registryVerticle);
        })
        .compose(v -> Authenticator.create(vertx, options.auth()).onSuccess(a -> authenticator = a).mapEmpty())
        .compose(v -> {
          BridgeConnections bridgeConnections = new BridgeConnections(vertx, options.presence());
          HttpAuth httpAuth = new HttpAuth(authenticator);
          http = new HttpVerticle(options.http(), router -> {
            HttpErrors.install(router);
            OpsRoutes.mount(router, vertx, readiness(), metrics.registry(), httpAuth);
            TimelineRoutes.mount(router, vertx, options.publish().maxPayloadBytes, options.history().maxLimit, httpAuth);
            streams = StreamRoutes.mount(router, vertx, options.presence(), options.history().maxLiveBuffer, httpAuth);
            PresenceRoutes.mount(router, vertx, options.publish().maxPayloadBytes, options.presence().allowSendToOwnUid, httpAuth);
            browserBridge = BrowserRoutes.mount(router, vertx, authenticator, options.bridge(), metrics, bridgeConnections);
            bridgeConnections.bridge(browserBridge);
          });
          closeOnShutdown(() -> streams.closeAll("shutting_down", "this node is shutting down; resume after your last id on another node"));
          closeOnShutdown(() -> browserBridge.closeAll(1001, "shutting_down", "this node is shutting down; reconnect to resume"));
          EventLoopPlacement.nextContextOn(vertx, feed.context());
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

  /**
   * In a cluster: an engine whose timeline is this node's own (embedded) allows one broker node per
   * cluster, held by a cluster-wide lock (released when its holder leaves or dies); a shared engine
   * hears at once when a node leaves the cluster, so delivery stops waiting for its frontier.
   */
  private Future<Void> clusterRole(EventLog engine) {
    if (!vertx.isClustered()) {
      return Future.succeededFuture();
    }
    if (!engine.sharedAcrossNodes()) {
      return claimEmbeddedBroker().recover(e -> engine.close().transform(x -> Future.failedFuture(e)));
    }
    if (engine instanceof RethinkDbEventLog
        && ((io.vertx.core.internal.VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager) {
      HazelcastClusterManager cluster = (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
      RethinkDbEventLog shared = (RethinkDbEventLog) engine;
      membershipListener = cluster.getHazelcastInstance().getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
        @Override
        public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {
        }

        @Override
        public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
          shared.nodeLeft(event.getMember().getUuid().toString());
        }
      });
    }
    return Future.succeededFuture();
  }

  /**
   * Claims the cluster's one broker place on the embedded engine: an entry in a cluster-wide map
   * holding this member's id, taken over only when its holder is no longer a member of the cluster.
   */
  private Future<Void> claimEmbeddedBroker() {
    io.vertx.core.spi.cluster.ClusterManager cluster = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    String member = cluster.getNodeId();
    return vertx.sharedData().<String, String>getAsyncMap(CLUSTER_MAP).compose(map -> map.putIfAbsent(EMBEDDED_BROKER, member)
        .compose(holder -> {
          if (holder == null || holder.equals(member)) {
            return Future.succeededFuture(true);
          }
          if (cluster.getNodes().contains(holder)) {
            return Future.succeededFuture(false);
          }
          return map.replaceIfPresent(EMBEDDED_BROKER, holder, member); // the holder died
        })
        .compose(claimed -> {
          if (!claimed) {
            return Future.failedFuture(new ConfigException("another broker node of this cluster runs on the embedded engine,"
                + " whose timeline is one node's directory: start this JVM as a client member of the cluster (FeedbusClient)"
                + " instead, or share RethinkDB between broker nodes (store.type = rethinkdb)"));
          }
          embeddedBrokerClaim = map;
          return Future.succeededFuture();
        }));
  }

  private void leaveClusterRole() {
    if (embeddedBrokerClaim != null) {
      embeddedBrokerClaim.removeIfPresent(EMBEDDED_BROKER, ((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId());
      embeddedBrokerClaim = null;
    }
    if (membershipListener != null) {
      HazelcastClusterManager cluster = (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
      cluster.getHazelcastInstance().getCluster().removeMembershipListener(membershipListener);
      membershipListener = null;
    }
  }

  private String anonymousRightsText() {
    return "(subscribe " + options.auth().anonymousRights.subscribe + ", publish " + options.auth().anonymousRights.publish + ")";
  }

  private Future<EventLog> openEventLog() {
    if (providedLog != null) {
      return Future.succeededFuture(providedLog);
    }
    switch (options.store().type) {
      case embedded:
        return EmbeddedEventLog.open(vertx, Path.of(options.store().embedded.dataDir), options.store().embedded.fsync, nodeId).map(l -> l);
      case rethinkdb:
        return RethinkDbEventLog.open(vertx, options.store().rethinkdb, nodeId).map(l -> l);
      default:
        return Future.failedFuture(new ConfigException("store.type = " + options.store().type + ": unknown engine"));
    }
  }

  /** The contexts of the verticles an event passes through: the feed's, the publish service's, HTTP's (tests). */
  List<io.vertx.core.Context> eventPathContexts() {
    return List.of(feed.context(), publish.context(), http.context());
  }

  private Future<String> deploy(io.vertx.core.Deployable verticle) {
    return vertx.deployVerticle(verticle).onSuccess(deployments::push);
  }

  private OpsRoutes.NodeState readiness() {
    return new OpsRoutes.NodeState() {
      @Override
      public io.feedbus.store.StoreStatus storeStatus() {
        return feedStatus();
      }

      @Override
      public boolean engineOpen() {
        return log != null;
      }

      @Override
      public boolean shuttingDown() {
        return shuttingDown;
      }

      @Override
      public boolean draining() {
        return registryVerticle != null && registryVerticle.registry() != null && !registryVerticle.registry().accepting();
      }
    };
  }

  /** The connection registry's engine: the same kind as the event log's ({@code store.type}). */
  private Future<ConnectionStore> openConnectionStore() {
    if (options.store().type == FeedbusOptions.StoreType.rethinkdb) {
      return RethinkDbConnectionStore.open(vertx, options.store().rethinkdb).map(c -> c);
    }
    return EmbeddedConnectionStore.open(vertx, Path.of(options.store().embedded.dataDir)).map(c -> c);
  }

  private PresenceObserver presenceObserver() {
    return new PresenceObserver() {
      @Override
      public void admission(boolean accepted) {
        if (accepted) {
          metrics.admissionAccepted(null);
        } else {
          metrics.admissionRefused(null, "limit_reached");
        }
      }

      @Override
      public void connectionsOnThisNode(long count) {
        metrics.connectionsLive(count);
      }
    };
  }

  /** The connection registry's engine (shared by every node on RethinkDB). */
  public ConnectionStore connectionStore() {
    return connections;
  }

  /**
   * Adds a step to the "close client connections" phase of {@link #close()}: it runs on the HTTP
   * server's context after in-flight publishes are durable, and should tell clients why (e.g. the
   * connection registry closing and removing its connections).
   */
  public void closeOnShutdown(Supplier<Future<?>> closer) {
    connectionClosers.add(closer);
  }

  /** The registry feedbus's meters live in (features add theirs here); served at {@code /metrics}. */
  public MeterRegistry meters() {
    return registry;
  }

  /** feedbus's meters, with the methods other features call (connections, admission, bridge drops). */
  public FeedbusMetrics metrics() {
    return metrics;
  }

  /**
   * Graceful shutdown: stop accepting (readiness turns 503, the HTTP server stops listening), finish
   * in-flight publishes (every acknowledged event is durable), close client connections with a
   * reason, let HTTP connections finish, then stop the feed and the engine; closes Vert.x when this
   * node created it. Each phase is logged and bounded by {@code ops.shutdownPhaseTimeoutMillis}.
   */
  public synchronized Future<Void> close() {
    if (closing != null) {
      return closing;
    }
    shuttingDown = true;
    if (!startFailed) {
      LOG.info("feedbus node {} shutting down", nodeId);
    }
    ShutdownSequence sequence = new ShutdownSequence(vertx, options.ops().shutdownPhaseTimeoutMillis, !startFailed);
    Future<?>[] httpClosed = {Future.succeededFuture()};
    sequence.then("stop accepting connections", () -> {
      if (http != null) {
        httpClosed[0] = http.shutdown(options.ops().shutdownGraceMillis);
      }
      return Future.succeededFuture();
    });
    sequence.then("finish in-flight publishes", () -> {
      if (publishDeployment == null) {
        return Future.succeededFuture();
      }
      deployments.remove(publishDeployment);
      return vertx.undeploy(publishDeployment);
    });
    sequence.then("close client connections", () -> {
      Future<?> transports = http == null || http.actualPort() < 0 ? Future.succeededFuture()
          : http.onContext(() -> Future.join(connectionClosers.stream().map(Supplier::get).collect(java.util.stream.Collectors.toList())).mapEmpty());
      // Then what the transports did not close themselves (Java-client subscriptions), with shutting_down.
      return transports.transform(ar -> registryVerticle == null ? Future.succeededFuture() : registryVerticle.shutdown());
    });
    sequence.then("close HTTP connections", () -> httpClosed[0]);
    sequence.then("stop feed", () -> {
      Future<Void> chain = Future.succeededFuture();
      while (!deployments.isEmpty()) {
        String id = deployments.pop();
        chain = chain.eventually(() -> vertx.undeploy(id));
      }
      return chain;
    });
    sequence.then("close stores", () -> Future.join(
        connections == null ? Future.succeededFuture() : connections.close(),
        log == null ? Future.succeededFuture() : log.close()).onComplete(ar -> leaveClusterRole()).mapEmpty());
    Future<Void> done = sequence.run(nodeId);
    if (ownsVertx) {
      done = done.eventually(vertx::close);
    }
    closing = done.onComplete(ar -> {
      Nodes.unregister(vertx, nodeId);
      if (metrics != null) {
        metrics.close();
      }
      if (startFailed) {
        LOG.debug("feedbus node {} unwound its failed start", nodeId);
      } else {
        LOG.info("feedbus node {} stopped{}", nodeId, ar.succeeded() ? "" : " (not cleanly: " + ar.cause().getMessage() + ")");
      }
    });
    return closing;
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
