package io.feedbus.store.rethinkdb;

import io.feedbus.testing.RethinkDbTesting;
import io.feedbus.store.ConnectionStore;
import io.feedbus.store.ConnectionStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;

/**
 * The connection store contract on RethinkDB: a fresh database per test, and the "second node" is
 * a second store with its own driver connection, so concurrent claims really race in the server.
 */
class RethinkDbConnectionStoreTest extends ConnectionStoreContract {

  private RethinkDbOptions options;

  @Override
  protected Future<ConnectionStore> openStore(Vertx vertx) {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    return RethinkDbConnectionStore.open(vertx, options).map(s -> s);
  }

  @Override
  protected Future<ConnectionStore> openSecondNode(Vertx vertx) {
    return RethinkDbConnectionStore.open(vertx, options).map(s -> s);
  }

  @AfterEach
  void dropDatabase() throws Exception {
    if (otherNode != null && otherNode != store) {
      await(otherNode.close());
    }
    if (store != null) {
      await(store.close());
    }
    RethinkDbTesting.dropDatabase(options);
  }
}
