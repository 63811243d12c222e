package io.feedbus.ops;

import io.feedbus.store.StoreStatus;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text), {@code /health} (liveness: the process serves) and
 * {@code /ready} (store connected, schema ready, cluster joined when clustered; 503 otherwise).
 */
public final class OpsRoutes {

  private OpsRoutes() {
  }

  /**
   * @param storeStatus the feed's last store notice (null before the first)
   * @param storeOpened whether the engine opened (for RethinkDB: its schema is bootstrapped)
   */
  public static void mount(Router router, Vertx vertx, FeedbusMetrics metrics, Supplier<StoreStatus> storeStatus,
      Supplier<Boolean> storeOpened) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));

    HealthChecks liveness = HealthChecks.create(vertx).register("process", p -> p.complete(Status.OK()));
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(liveness));

    HealthChecks readiness = HealthChecks.create(vertx)
        .register("schema", p -> p.complete(Boolean.TRUE.equals(storeOpened.get()) ? Status.OK() : Status.KO()))
        .register("store", p -> {
          StoreStatus status = storeStatus.get();
          boolean up = status != null
              && (status.state() == StoreStatus.State.CONNECTED || status.state() == StoreStatus.State.RECONNECTED);
          p.complete(up ? Status.OK() : Status.KO(status == null ? null : status.toJson()));
        });
    if (vertx.isClustered()) {
      readiness.register("cluster", p -> p.complete(((VertxInternal) vertx).clusterManager().isActive() ? Status.OK() : Status.KO()));
    }
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
  }
}
