package io.feedbus.load;

import io.feedbus.FeedbusOptions;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The load test on a real RethinkDB server (hard durability, as shipped). */
class RethinkDbPublishLoadTest extends PublishLoadContract {

  @TempDir
  Path dir;
  private RethinkDbOptions rethinkdb;

  @Override
  protected FeedbusOptions options() {
    RethinkDbTesting.assumeServer();
    rethinkdb = RethinkDbTesting.freshOptions();
    return TestNodes.options(dir, new JsonObject().put("store", new JsonObject()
        .put("type", "rethinkdb")
        .put("rethinkdb", JsonObject.mapFrom(rethinkdb))));
  }

  @Override
  protected void cleanUp() throws Exception {
    RethinkDbTesting.dropDatabase(rethinkdb);
  }
}
