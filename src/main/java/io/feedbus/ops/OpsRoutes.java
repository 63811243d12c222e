package io.feedbus.ops;

import io.feedbus.http.HttpAuth;
import io.feedbus.store.StoreStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * {@code GET /health} (liveness: up while the process serves), {@code GET /ready} (readiness: store
 * connected, engine and schema open, cluster joined when clustered, not shutting down nor draining; 503 when any
 * is not) and {@code GET /metrics} (Prometheus text format). Health and readiness are open (load
 * balancers and orchestrators probe them without credentials, and they tell nothing but up or down);
 * metrics need a management credential unless {@code auth.openManagement}: they show how busy each
 * node is and how it is built, and Prometheus sends {@code Authorization: apikey <key>} when told to.
 */
public final class OpsRoutes {

  /** What readiness looks at; the node implements it. */
  public interface NodeState {
    /** The engine's last notice through the feed, or null before the first. */
    StoreStatus storeStatus();

    /** The engine is open (for RethinkDB: connected and its schema bootstrapped). */
    boolean engineOpen();

    /** The node started its shutdown: load balancers should send traffic elsewhere. */
    boolean shuttingDown();

    /** The node takes no new connections ({@code PUT /connections/accepting false}): send them elsewhere. */
    boolean draining();
  }

  private OpsRoutes() {
  }

  public static void mount(Router router, Vertx vertx, NodeState state, MeterRegistry registry, HttpAuth auth) {
    HealthChecks liveness = HealthChecks.create(vertx)
        .register("process", promise -> promise.complete(Status.OK()));
    HealthCheckHandler live = HealthCheckHandler.createWithHealthChecks(liveness);
    HealthCheckHandler ready = HealthCheckHandler.createWithHealthChecks(readiness(vertx, state));
    // Load balancers probe with HEAD as often as with GET: same status, no body.
    router.get("/health").handler(live);
    router.head("/health").handler(live);
    router.get("/ready").handler(ready);
    router.head("/ready").handler(ready);
    if (registry instanceof PrometheusMeterRegistry) {
      router.get("/metrics").handler(auth.management());
      router.get("/metrics").handler(PrometheusScrapingHandler.create((PrometheusMeterRegistry) registry));
    }
  }

  static HealthChecks readiness(Vertx vertx, NodeState state) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("store", promise -> {
      StoreStatus status = state.storeStatus();
      boolean up = status != null
          && (status.state() == StoreStatus.State.CONNECTED || status.state() == StoreStatus.State.RECONNECTED);
      promise.complete(new Status().setOk(up).setData(status == null
          ? new JsonObject().put("status", "unknown")
          : status.toJson()));
    });
    checks.register("schema", promise -> promise.complete(new Status().setOk(state.engineOpen())));
    if (vertx.isClustered()) {
      checks.register("cluster", promise -> {
        boolean active = ((VertxInternal) vertx).clusterManager().isActive();
        promise.complete(new Status().setOk(active).setData(new JsonObject().put("nodeId",
            ((VertxInternal) vertx).clusterManager().getNodeId())));
      });
    }
    checks.register("accepting", promise -> promise.complete(new Status().setOk(!state.shuttingDown() && !state.draining())
        .setData(new JsonObject().put("shuttingDown", state.shuttingDown()).put("draining", state.draining()))));
    return checks;
  }
}
