package io.feedbus.bench;

import io.vertx.core.json.JsonObject;

/**
 * One line of the bench table: a measured rate and its p99 latency, next to the baseline measured
 * in the same run (so the ratio holds on a noisy, shared machine even when the absolute numbers do
 * not). {@code NaN} where a figure has no latency or no baseline.
 */
public record Figure(String section, String name, double value, String unit, double p99Millis,
                     String baseline, double baselineValue, double baselineP99Millis, String note) {

  /** value / baseline value (higher is better for rates). */
  public double ratio() {
    return baselineValue > 0 ? value / baselineValue : Double.NaN;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("section", section).put("figure", name).put("value", finite(value)).put("unit", unit)
        .put("p99Millis", finite(p99Millis)).put("baseline", baseline).put("baselineValue", finite(baselineValue))
        .put("baselineP99Millis", finite(baselineP99Millis)).put("ratio", finite(ratio()));
    return note == null ? json : json.put("note", note);
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? Math.round(d * 1000) / 1000.0 : null;
  }
}
