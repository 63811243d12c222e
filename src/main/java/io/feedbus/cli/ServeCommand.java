package io.feedbus.cli;

import io.feedbus.ConfigException;
import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.ops.Logs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code feedbus serve}: runs a broker node until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run a feedbus node. Config: the file, then FEEDBUS_* environment variables, then these options.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped (SIGTERM, Ctrl-C)", "3:invalid configuration (every bad field is named)",
        "4:store unavailable (RethinkDB unreachable after its retries)",
        "5:port or data directory in use by another process", "70:internal error"})
public final class ServeCommand implements java.util.concurrent.Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = {"-c", "--config"}, description = "Config file (JSON). Default: conf/feedbus.json when it exists.")
  Path config;

  @Option(names = {"-p", "--port"}, description = "HTTP port (http.port).")
  Integer port;

  @Option(names = "--host", description = "HTTP bind address (http.host).")
  String host;

  @Option(names = "--store", description = "Engine: embedded or rethinkdb (store.type).")
  String store;

  @Option(names = "--data-dir", description = "Embedded engine directory (store.embedded.dataDir).")
  String dataDir;

  @Option(names = "--cluster", description = "Join a Vert.x cluster through Hazelcast (cluster.enabled).")
  Boolean cluster;

  @Option(names = "--node-id", description = "This node's id (nodeId).")
  String nodeId;

  @Option(names = "--set", description = "Any config field by path, e.g. --set publish.maxPayloadBytes=65536", paramLabel = "PATH=VALUE")
  Map<String, String> set = new LinkedHashMap<>();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    FeedbusOptions options = options(System.getenv());
    Logs.useFormat(options.ops().logFormat);
    Feedbus node;
    try {
      node = Feedbus.start(options).toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    // SIGTERM and Ctrl-C drain the node and then exit 0 (the JVM's default would exit 143 / 130).
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> {
          LOG.info("SIG{} received: shutting down gracefully", name);
          node.close().onComplete(ar -> exit.complete(ar.succeeded() ? ExitCodes.OK : ExitCodes.INTERNAL));
        });
      } catch (IllegalArgumentException e) {
        LOG.debug("signal {} cannot be handled here: {}", name, e.getMessage());
      }
    }
    // Any other way out of the JVM (System.exit elsewhere, a signal not handled above) still drains.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close().toCompletionStage().toCompletableFuture().get(options.ops().shutdownPhaseTimeoutMillis * 6, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.error("graceful shutdown did not finish: {}", e.toString());
      }
    }, "feedbus-shutdown"));
    spec.commandLine().getOut().println("feedbus " + node.nodeId() + " listening on http://" + options.http().host + ":" + node.httpPort());
    spec.commandLine().getOut().flush();
    return exit.get();
  }

  FeedbusOptions options(Map<String, String> env) {
    Path file = config;
    if (file == null && Files.exists(Path.of("conf/feedbus.json"))) {
      file = Path.of("conf/feedbus.json");
    } else if (file != null && !Files.exists(file)) {
      throw new ConfigException("config file " + file + " does not exist");
    }
    Map<String, String> overrides = new LinkedHashMap<>(set);
    put(overrides, "http.port", port);
    put(overrides, "http.host", host);
    put(overrides, "store.type", store);
    put(overrides, "store.embedded.dataDir", dataDir);
    put(overrides, "cluster.enabled", cluster);
    put(overrides, "nodeId", nodeId);
    return FeedbusOptions.load(file, env, overrides);
  }

  private static void put(Map<String, String> overrides, String path, Object value) {
    if (value != null) {
      overrides.put(path, String.valueOf(value));
    }
  }
}
