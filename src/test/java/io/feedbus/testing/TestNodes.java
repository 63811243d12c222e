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

  public static Feedbus start(Vertx vertx, Path dataDir) throws Exception {
    return await(Feedbus.start(vertx, options(dataDir)));
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
