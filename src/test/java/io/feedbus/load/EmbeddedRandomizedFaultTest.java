package io.feedbus.load;

import io.feedbus.FeedbusOptions;
import io.feedbus.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The randomized fault run on the embedded engine: the restart reopens the same directory. */
class EmbeddedRandomizedFaultTest extends RandomizedFaultContract {

  @TempDir
  Path dir;

  @Override
  protected FeedbusOptions options() {
    return TestNodes.options(dir, new JsonObject().put("nodeId", "node-1"));
  }
}
