package io.feedbus.feed;

import io.feedbus.FeedbusOptions;
import io.feedbus.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Trims events older than {@code retention.maxAgeMillis} every {@code retention.intervalMillis}. */
public final class RetentionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);

  private final EventLog log;
  private final FeedbusOptions.Retention options;
  private long timer = -1;
  private boolean running;

  public RetentionVerticle(EventLog log, FeedbusOptions.Retention options) {
    this.log = log;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    if (options.maxAgeMillis > 0) {
      timer = vertx.setPeriodic(0, options.intervalMillis, id -> trim());
    }
    return Future.succeededFuture();
  }

  private void trim() {
    if (running) {
      return; // a slow trim is not stacked with the next one
    }
    running = true;
    log.trim(System.currentTimeMillis() - options.maxAgeMillis)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("retention removed {} events older than {} ms", n, options.maxAgeMillis);
          }
        })
        .onFailure(e -> LOG.warn("retention trim failed: {}", e.getMessage()))
        .onComplete(ar -> running = false);
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }
}
