package io.feedbus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The feedbus command line: {@code feedbus <command> [options]}. */
@Command(name = "feedbus", mixinStandardHelpOptions = true, version = "feedbus 0.1.0",
    description = "Realtime pub-sub broker with a durable, replayable timeline.",
    subcommands = {ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    // Vert.x and Hazelcast log through SLF4J (one backend, one format) also without the launcher's -D flags.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
    System.exit(run(args));
  }

  /** Runs a command and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return new CommandLine(new Main()).setExitCodeExceptionMapper(ExitCodes::of).execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
