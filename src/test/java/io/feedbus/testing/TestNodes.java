package io.feedbus.testing;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts feedbus nodes for tests: embedded engine in a temp dir, HTTP on a random loopback port. */
public final class TestNodes {

  private TestNodes() {
  }

  public static FeedbusOptions options(Path dataDir) {
    return options(dataDir, new JsonObject());
  }

  /** Test defaults with {@code overrides} (a partial config) merged on top. */
  public static FeedbusOptions options(Path dataDir, JsonObject overrides) {
    JsonObject json = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("store", new JsonObject().put("embedded", new JsonObject().put("dataDir", dataDir.toString())));
    return FeedbusOptions.load(json.mergeIn(overrides, true), Map.of(), Map.of());
  }

  /**
   * A copy of conf/cluster.xml with a cluster name of its own, so the members a test starts join
   * each other and no other test run's.
   */
  public static Path clusterConfig(Path dir) throws java.io.IOException {
    String xml = java.nio.file.Files.readString(Path.of("conf/cluster.xml"))
        .replace("<cluster-name>feedbus</cluster-name>", "<cluster-name>feedbus-test-" + java.util.UUID.randomUUID() + "</cluster-name>");
    Path file = dir.resolve("cluster-" + java.util.UUID.randomUUID() + ".xml");
    java.nio.file.Files.writeString(file, xml);
    return file;
  }

  /** A Vert.x that joins the cluster of {@code clusterConfig} as a member without a broker. */
  public static Vertx clusterMember(Path clusterConfig) throws Exception {
    return await(Vertx.builder()
        .withClusterManager(new io.vertx.spi.cluster.hazelcast.HazelcastClusterManager(
            new com.hazelcast.config.FileSystemXmlConfig(clusterConfig.toFile())))
        .buildClustered());
  }

  /**
   * A partial config that leaves management and admission open ({@code auth.openManagement}), as the
   * development config does: for tests of those routes themselves, not of who may call them.
   */
  public static JsonObject openManagement() {
    return new JsonObject().put("auth", new JsonObject().put("openManagement", true));
  }

  public static Feedbus start(Vertx vertx, Path dataDir) throws Exception {
    return await(Feedbus.start(vertx, options(dataDir)));
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
