package io.feedbus.bench;

/** One part of {@code feedbus bench}: measures something and its baseline in the same run. */
public interface BenchSection {

  /** The short name {@code --only} takes. */
  String name();

  /** Runs the section, adding its figures (and notes) to {@code run}; stops whatever it started. */
  void run(BenchRun run) throws Exception;
}
