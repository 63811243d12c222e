package io.feedbus.cli;

import io.feedbus.event.FeedbusException;
import io.feedbus.ops.Logs;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The feedbus command line: {@code feedbus <command> [options]}. */
@Command(name = "feedbus", mixinStandardHelpOptions = true, version = "feedbus 0.1.0",
    description = "Realtime pub-sub broker with a durable, replayable timeline.",
    subcommands = {ServeCommand.class, PublishCommand.class, TailCommand.class, HistoryCommand.class,
        ConnectionsCommand.class, AdmissionCommand.class, BanCommand.class, PriorityCommand.class, CapCommand.class,
        DrainCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:refused or bad input", "2:usage", "3:invalid configuration",
        "4:broker unreachable or store unavailable",
        "5:port or data directory in use by another process", "70:internal error"})
public final class Main implements Runnable {

  public static void main(String[] args) {
    // Before anything logs: Vert.x, Netty and Hazelcast log through SLF4J (logback), launcher or not.
    Logs.routeToSlf4j();
    System.exit(run(args));
  }

  /** Runs a command and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs a command with its data written to {@code out} and its errors to {@code err}. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out).setErr(err).setExitCodeExceptionMapper(ExitCodes::of)
        .setExecutionExceptionHandler((e, commandLine, parsed) -> {
          commandLine.getErr().println("feedbus " + commandLine.getCommandName() + ": " + message(e));
          commandLine.getErr().flush();
          return ExitCodes.of(e);
        });
    return cli.execute(args);
  }

  private static String message(Exception e) {
    if (e instanceof FeedbusException) {
      return ((FeedbusException) e).code() + ": " + e.getMessage();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
