package io.feedbus.cli;

import io.feedbus.ConfigException;
import io.feedbus.InUseException;
import io.feedbus.event.FeedbusException;

/** Exit codes of the command line, the same for every command. */
public final class ExitCodes {

  public static final int OK = 0;
  /** The broker answered with an error (bad input, refused, not found). */
  public static final int REFUSED = 1;
  /** Wrong command-line usage (picocli's own code). */
  public static final int USAGE = 2;
  /** Invalid configuration. */
  public static final int CONFIG = 3;
  /** The broker could not be reached, or the store is unavailable. */
  public static final int UNAVAILABLE = 4;
  /** The HTTP port or the data directory is held by another process (another node runs). */
  public static final int IN_USE = 5;
  public static final int INTERNAL = 70;

  private ExitCodes() {
  }

  static int of(Throwable t) {
    if (t instanceof picocli.CommandLine.ParameterException) {
      return USAGE;
    }
    if (t instanceof ConfigException) {
      return CONFIG;
    }
    if (t instanceof InUseException) {
      return IN_USE;
    }
    if (t instanceof FeedbusException) {
      return ((FeedbusException) t).status() >= 500 ? UNAVAILABLE : REFUSED;
    }
    return INTERNAL;
  }
}
