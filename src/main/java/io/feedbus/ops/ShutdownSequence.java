package io.feedbus.ops;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named shutdown phases run one after the other, each with a time limit; a phase that fails or
 * overruns is logged and the next one still runs, so one stuck part cannot keep the node alive.
 */
public final class ShutdownSequence {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownSequence.class);

  private final Vertx vertx;
  private final long phaseTimeoutMillis;
  private final List<Phase> phases = new ArrayList<>();

  private final boolean logPhases;

  public ShutdownSequence(Vertx vertx, long phaseTimeoutMillis) {
    this(vertx, phaseTimeoutMillis, true);
  }

  /** With {@code logPhases} false the phases that went well are logged at DEBUG only (a failed start unwinding). */
  public ShutdownSequence(Vertx vertx, long phaseTimeoutMillis, boolean logPhases) {
    this.vertx = vertx;
    this.phaseTimeoutMillis = phaseTimeoutMillis;
    this.logPhases = logPhases;
  }

  /** Adds a phase; phases run in the order they were added. */
  public ShutdownSequence then(String name, Supplier<Future<?>> action) {
    phases.add(new Phase(name, action));
    return this;
  }

  /** Runs every phase; succeeds when all did, else fails with the first failure (after running the rest). */
  public Future<Void> run(String nodeId) {
    Future<Void> chain = Future.succeededFuture();
    List<Throwable> failures = new ArrayList<>();
    for (Phase phase : phases) {
      chain = chain.compose(v -> runPhase(nodeId, phase).recover(e -> {
        failures.add(e);
        return Future.succeededFuture();
      }));
    }
    return chain.compose(v -> failures.isEmpty() ? Future.succeededFuture() : Future.failedFuture(failures.get(0)));
  }

  private Future<Void> runPhase(String nodeId, Phase phase) {
    long started = System.nanoTime();
    Future<?> result;
    try {
      result = phase.action.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(phaseTimeoutMillis,
        id -> done.tryFail(new TimeoutException("did not finish within " + phaseTimeoutMillis + " ms")));
    result.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        done.tryComplete();
      } else {
        done.tryFail(ar.cause());
      }
    });
    return done.future()
        .onSuccess(v -> {
          long millis = (System.nanoTime() - started) / 1_000_000;
          if (logPhases) {
            LOG.info("node {} shutdown: {} done in {} ms", nodeId, phase.name, millis);
          } else {
            LOG.debug("node {} shutdown: {} done in {} ms", nodeId, phase.name, millis);
          }
        })
        .onFailure(e -> LOG.warn("node {} shutdown: {} failed: {}", nodeId, phase.name, e.toString()));
  }

  private record Phase(String name, Supplier<Future<?>> action) {
  }
}
