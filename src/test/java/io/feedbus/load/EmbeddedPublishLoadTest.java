package io.feedbus.load;

import io.feedbus.FeedbusOptions;
import io.feedbus.testing.TestNodes;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The load test on the embedded engine (fsync on, as shipped). */
class EmbeddedPublishLoadTest extends PublishLoadContract {

  @TempDir
  Path dir;

  @Override
  protected FeedbusOptions options() {
    return TestNodes.options(dir);
  }
}
