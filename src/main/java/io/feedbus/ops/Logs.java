package io.feedbus.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.joran.util.ConfigurationWatchListUtil;
import java.net.URL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging setup: everything (feedbus, Vert.x, Netty, Hazelcast) goes through SLF4J to logback, and
 * the {@code ops.logFormat} config switch picks logback.xml's {@code text} or {@code json} appender.
 */
public final class Logs {

  /** The variable logback.xml reads to choose its appender (also read from the environment). */
  public static final String FORMAT_VARIABLE = "FEEDBUS_LOG_FORMAT";

  private Logs() {
  }

  /** Routes Vert.x and Hazelcast logging to SLF4J unless the JVM was told otherwise; call before anything logs. */
  public static void routeToSlf4j() {
    setIfAbsent("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    setIfAbsent("hazelcast.logging.type", "slf4j");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** Only warnings and errors (commands whose stdout is data, and whose stderr is for the user). */
  public static void quiet() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
      ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  /**
   * Switches the format by reloading the active logback configuration with {@link #FORMAT_VARIABLE}
   * set; does nothing when that format is already active or logback is not the backend.
   */
  public static void useFormat(OpsOptions.LogFormat format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext)) {
      return;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (root.getAppender(format.name()) != null) {
      return;
    }
    URL config = ConfigurationWatchListUtil.getMainWatchURL(context);
    if (config == null) {
      config = Logs.class.getResource("/logback.xml");
    }
    if (config == null) {
      return;
    }
    System.setProperty(FORMAT_VARIABLE, format.name());
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      // logback prints its own status; say once, on stderr, why the format did not change
      System.err.println("feedbus: could not switch logs to " + format + ": " + e.getMessage());
    }
  }
}
