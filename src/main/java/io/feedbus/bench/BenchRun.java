package io.feedbus.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** What a section gets while it runs: the sizes to use, a progress line, and where its figures go. */
public final class BenchRun {

  private final PrintWriter progress;
  private final boolean quick;
  private final List<Figure> figures = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final long started = System.nanoTime();

  public BenchRun(PrintWriter progress, boolean quick) {
    this.progress = progress;
    this.quick = quick;
  }

  /** True for a short run (smaller sizes, same shape): for trying the bench, not for the README's table. */
  public boolean quick() {
    return quick;
  }

  /** {@code full} normally, {@code quick} with {@code --quick}. */
  public int size(int full, int quick) {
    return this.quick ? quick : full;
  }

  /** One progress line on stderr, with the seconds since the bench started. */
  public void progress(String format, Object... args) {
    progress.printf("[%6.1fs] %s%n", (System.nanoTime() - started) / 1e9, String.format(format, args));
    progress.flush();
  }

  public void add(Figure figure) {
    figures.add(figure);
    progress("%s / %s: %.0f %s%s", figure.section(), figure.name(), figure.value(), figure.unit(),
        Double.isFinite(figure.ratio()) ? String.format(" (%.2fx %s)", figure.ratio(), figure.baseline()) : "");
  }

  /** A remark printed under the table (a baseline that could not run, a limit that applied). */
  public void note(String note) {
    notes.add(note);
    progress("note: %s", note);
  }

  public List<Figure> figures() {
    return figures;
  }

  public List<String> notes() {
    return notes;
  }
}
