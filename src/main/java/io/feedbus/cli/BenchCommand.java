package io.feedbus.cli;

import io.feedbus.bench.AdmissionBench;
import io.feedbus.bench.BenchReport;
import io.feedbus.bench.BenchRun;
import io.feedbus.bench.BenchSection;
import io.feedbus.bench.EndToEndBench;
import io.feedbus.bench.FanoutBench;
import io.feedbus.bench.InProcessBench;
import io.feedbus.bench.ReplayBench;
import io.feedbus.bench.RethinkDbBench;
import io.feedbus.ops.Logs;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.store.rethinkdb.RethinkDbServerProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code feedbus bench}: every figure of the performance targets, each next to a baseline measured
 * in the same run, as one table on stdout and JSON under {@code target/bench/}; progress on stderr.
 * Never part of the tests.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure feedbus end to end, in process, fan-out, replay and admission, each against a baseline from the same run.",
        "Sections: e2e (HTTP and bridge against NATS JetStream when nats-server is installed), inprocess, fanout, replay, admission,",
        "rethinkdb (the RethinkDB engine against the raw driver; runs when a server is found).",
        "Example: feedbus bench --only e2e,inprocess --quick"})
final class BenchCommand implements Callable<Integer> {

  static final List<String> SECTIONS = List.of("e2e", "inprocess", "fanout", "replay", "admission", "rethinkdb");
  /** The page cache of a RethinkDB server the bench starts itself: it holds the replay section's million events. */
  static final int BENCH_RETHINKDB_CACHE_MB = 2048;

  @Option(names = "--only", split = ",", paramLabel = "SECTION", description = "Run only these sections (comma separated). Default: all")
  List<String> only;

  @Option(names = "--quick", description = "Smaller sizes, same shape: to try the bench, not for published figures.")
  boolean quick;

  @Option(names = "--out", defaultValue = "target/bench", description = "Where the JSON goes. Default: ${DEFAULT-VALUE}")
  Path out;

  @Option(names = "--rethinkdb", description = "Only the RethinkDB sections (the engine against the raw driver, replay on RethinkDB).")
  boolean rethinkdbOnly;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Logs.quiet();
    Set<String> chosen = new LinkedHashSet<>(rethinkdbOnly ? List.of("rethinkdb", "replay") : only == null ? SECTIONS : only);
    for (String name : chosen) {
      if (!SECTIONS.contains(name)) {
        spec.commandLine().getErr().println("feedbus bench: unknown section '" + name + "'; choose from " + String.join(", ", SECTIONS));
        return ExitCodes.USAGE;
      }
    }
    BenchRun run = new BenchRun(spec.commandLine().getErr(), quick);
    List<String> failed = new ArrayList<>();
    RethinkDbServer rethinkdb = chosen.contains("rethinkdb") || chosen.contains("replay") ? RethinkDbServer.find(run) : null;
    try {
      if (rethinkdbOnly && (rethinkdb == null || rethinkdb.options == null)) {
        spec.commandLine().getErr().println("feedbus bench: store_unavailable: no RethinkDB server: set RETHINKDB_HOST"
            + " (and RETHINKDB_PORT), or put a rethinkdb binary on the PATH or at RETHINKDB_BIN");
        return ExitCodes.UNAVAILABLE;
      }
      List<BenchSection> sections = new ArrayList<>();
      RethinkDbOptions server = rethinkdb == null ? null : rethinkdb.options;
      for (String name : chosen) {
        switch (name) {
          case "e2e" -> sections.add(new EndToEndBench());
          case "inprocess" -> sections.add(new InProcessBench());
          case "fanout" -> sections.add(new FanoutBench());
          case "replay" -> sections.add(new ReplayBench(!rethinkdbOnly, server));
          case "admission" -> sections.add(new AdmissionBench());
          case "rethinkdb" -> {
            if (server != null) {
              sections.add(new RethinkDbBench.Section(server));
            }
          }
          default -> throw new IllegalStateException(name);
        }
      }
      for (BenchSection section : sections) {
        run.progress("section %s", section.name());
        try {
          section.run(run);
        } catch (Exception e) {
          // The other sections' figures still count; the table says which section failed and why,
          // and stderr has the whole trace for whoever tunes the broker.
          failed.add(section.name());
          run.note(section.name() + ": failed: " + e);
          e.printStackTrace(spec.commandLine().getErr());
        }
      }
    } finally {
      if (rethinkdb != null) {
        rethinkdb.close();
      }
    }
    BenchReport.print(run, spec.commandLine().getOut());
    Path file = BenchReport.write(run, out);
    spec.commandLine().getErr().println("feedbus bench: figures written to " + file);
    if (!failed.isEmpty()) {
      spec.commandLine().getErr().println("feedbus bench: failed sections: " + String.join(", ", failed));
      return ExitCodes.INTERNAL;
    }
    return ExitCodes.OK;
  }

  /** The RethinkDB server of the run: RETHINKDB_HOST/PORT when set, else a binary started for the run, else none (noted). */
  static final class RethinkDbServer implements AutoCloseable {
    final RethinkDbOptions options;
    final RethinkDbServerProcess process;

    private RethinkDbServer(RethinkDbOptions options, RethinkDbServerProcess process) {
      this.options = options;
      this.process = process;
    }

    static RethinkDbServer find(BenchRun run) throws Exception {
      RethinkDbOptions server = new RethinkDbOptions();
      String host = System.getenv("RETHINKDB_HOST");
      RethinkDbServerProcess process = null;
      if (host != null && !host.isBlank()) {
        server.host = host;
        String port = System.getenv("RETHINKDB_PORT");
        server.port = port == null || port.isBlank() ? 28015 : Integer.parseInt(port);
        run.note("RethinkDB sections on " + server.address() + " (RETHINKDB_HOST)");
      } else {
        var binary = RethinkDbServerProcess.findBinary();
        if (binary.isEmpty()) {
          run.note("RethinkDB sections skipped: no RETHINKDB_HOST and no rethinkdb binary on the PATH or at RETHINKDB_BIN");
          return new RethinkDbServer(null, null);
        }
        process = RethinkDbServerProcess.startWithCache(binary.get(), BENCH_RETHINKDB_CACHE_MB);
        server.host = process.host();
        server.port = process.driverPort();
        run.note("RethinkDB sections on " + binary.get() + " at " + server.address() + ", started for this run with a "
            + BENCH_RETHINKDB_CACHE_MB + " MiB cache (the replay's million events fit)");
      }
      String user = System.getenv("RETHINKDB_USER");
      if (user != null && !user.isBlank()) {
        server.user = user;
      }
      server.password = System.getenv().getOrDefault("RETHINKDB_PASSWORD", "");
      return new RethinkDbServer(server, process);
    }

    @Override
    public void close() throws Exception {
      if (process != null) {
        process.close();
      }
    }
  }
}
