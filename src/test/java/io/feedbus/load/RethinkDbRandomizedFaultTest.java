package io.feedbus.load;

import io.feedbus.FeedbusOptions;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.testing.TcpProxy;
import io.feedbus.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;

/** The randomized fault run on RethinkDB, reached through a proxy whose connections are cut once, at a random moment. */
class RethinkDbRandomizedFaultTest extends RandomizedFaultContract {

  @TempDir
  Path dir;
  private RethinkDbOptions rethinkdb;
  private TcpProxy proxy;

  @Override
  protected FeedbusOptions options() throws Exception {
    RethinkDbTesting.assumeServer();
    if (rethinkdb == null) {
      rethinkdb = RethinkDbTesting.freshOptions();
      proxy = RethinkDbTesting.await(TcpProxy.start(vertx, rethinkdb.host, rethinkdb.port));
    }
    return TestNodes.options(dir, new JsonObject().put("nodeId", "node-1").put("store", new JsonObject()
        .put("type", "rethinkdb")
        .put("rethinkdb", JsonObject.mapFrom(RethinkDbTesting.through(rethinkdb, proxy.port())))));
  }

  @Override
  protected void engineFault(Random random) {
    proxy.dropAll();
  }

  @Override
  protected void cleanUp() throws Exception {
    RethinkDbTesting.dropDatabase(rethinkdb);
  }
}
