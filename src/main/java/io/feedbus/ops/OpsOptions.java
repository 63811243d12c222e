package io.feedbus.ops;

import io.feedbus.FeedbusOptions;
import java.util.List;

/** Operations settings ({@code ops} in the config): log format, metrics, shutdown timing. */
public final class OpsOptions {

  /** How log lines are written. */
  public enum LogFormat { text, json }

  /** {@code text} for terminals, {@code json} for log shippers (one JSON object per line). */
  public LogFormat logFormat = LogFormat.text;
  /** Vert.x's own metrics (HTTP, event bus, pools) in {@code /metrics} when feedbus starts Vert.x. */
  public boolean vertxMetrics = true;
  /**
   * Event-loop threads when feedbus starts Vert.x: one per core by default (Vert.x's own default is
   * two per core). A publish crosses from the HTTP loop to the publish service, the store's writer and
   * the feed and back; with more loops than cores each hand-over wakes a sleeping thread, and on two
   * cores four loops cost 1.8x the CPU per event of two in the end-to-end bench (README, Performance).
   */
  public int eventLoops = defaultEventLoops();
  /** How long in-flight HTTP requests get to finish once the node stops accepting. */
  public long shutdownGraceMillis = 10_000;
  /** The most one shutdown phase may take before the next one starts anyway. */
  public long shutdownPhaseTimeoutMillis = 20_000;

  /** Adds a line per bad field to {@code problems}, each prefixed with {@code prefix}. */
  public void validate(String prefix, List<String> problems) {
    if (logFormat == null) {
      problems.add(prefix + ".logFormat = null: must be one of text, json");
    }
    FeedbusOptions.range(problems, prefix + ".eventLoops", eventLoops, 1, 1024);
    FeedbusOptions.range(problems, prefix + ".shutdownGraceMillis", shutdownGraceMillis, 0, 600_000);
    FeedbusOptions.range(problems, prefix + ".shutdownPhaseTimeoutMillis", shutdownPhaseTimeoutMillis, 100, 600_000);
  }

  /** One event loop per core the JVM may use. */
  public static int defaultEventLoops() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
