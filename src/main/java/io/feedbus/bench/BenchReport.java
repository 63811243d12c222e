package io.feedbus.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** The bench's one table (stdout) and its JSON file. */
public final class BenchReport {

  private BenchReport() {
  }

  /** What the table's header says about the run. */
  public static String machine() {
    return String.format("%d cores, Java %s, %s %s, max heap %d MiB", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.arch"),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  public static void print(BenchRun run, PrintWriter out) {
    out.println("feedbus bench, " + Instant.now().toString().substring(0, 10) + ", " + machine() + (run.quick() ? ", --quick sizes" : ""));
    String format = "%-10s %-44s %14s %-12s %8s | %-34s %12s %8s %7s%n";
    out.printf(format, "section", "figure", "value", "unit", "p99 ms", "baseline (same run)", "value", "p99 ms", "ratio");
    for (Figure f : run.figures()) {
      out.printf(format, f.section(), f.name(), number(f.value()), f.unit(), millis(f.p99Millis()), f.baseline() == null ? "-" : f.baseline(),
          number(f.baselineValue()), millis(f.baselineP99Millis()), Double.isFinite(f.ratio()) ? String.format("%.2fx", f.ratio()) : "-");
    }
    for (Figure f : run.figures()) {
      if (f.note() != null) {
        out.println("  " + f.section() + " / " + f.name() + ": " + f.note());
      }
    }
    for (String note : run.notes()) {
      out.println("  note: " + note);
    }
    out.flush();
  }

  /** Writes {@code bench-<time>.json} and {@code latest.json} under {@code dir}; returns the first. */
  public static Path write(BenchRun run, Path dir) throws IOException {
    Files.createDirectories(dir);
    JsonArray figures = new JsonArray();
    run.figures().forEach(f -> figures.add(f.toJson()));
    JsonObject json = new JsonObject().put("date", Instant.now().toString()).put("machine", machine())
        .put("quick", run.quick()).put("figures", figures).put("notes", new JsonArray(run.notes()));
    String text = json.encodePrettily();
    Path file = dir.resolve("bench-" + Instant.now().toString().replace(":", "") + ".json");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("latest.json"), text, StandardCharsets.UTF_8);
    return file;
  }

  private static String number(double d) {
    return Double.isFinite(d) ? String.format("%,.0f", d) : "-";
  }

  private static String millis(double d) {
    return Double.isFinite(d) ? String.format("%.2f", d) : "-";
  }
}
