package io.feedbus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The feedbus command line: {@code feedbus <command> [options]}. */
@Command(name = "feedbus", mixinStandardHelpOptions = true, version = "feedbus 0.1.0",
    description = "Realtime pub-sub broker with a durable, replayable timeline.",
    subcommands = {ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
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
