package io.feedbus.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.store.ConnectionStore;
import io.feedbus.store.ConnectionStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection store contract on the embedded engine (two nodes share one store instance), plus durability. */
class EmbeddedConnectionStoreTest extends ConnectionStoreContract {

  @TempDir
  Path dir;

  @Override
  protected Future<ConnectionStore> openStore(Vertx vertx) {
    return EmbeddedConnectionStore.open(vertx, dir).map(s -> s);
  }

  @Override
  protected Future<ConnectionStore> openSecondNode(Vertx vertx) {
    return Future.succeededFuture(store);
  }

  @Test
  void admissionSlotsSurviveAReopen(Vertx vertx) throws Exception {
    await(store.claimSlot(new io.feedbus.presence.AdmissionSlot("u", 0, "n1", null, now, now + 60_000), 3, now));
    await(store.close());
    store = await(openStore(vertx));
    otherNode = store;
    assertThat(await(store.slots("u", now))).hasSize(1);
  }

  @Test
  void aClosedStoreFailsWithStoreUnavailable() throws Exception {
    await(store.close());
    Throwable failure = store.get("x").toCompletionStage().toCompletableFuture().handle((v, t) -> t).get();
    assertThat(failure).hasMessageContaining("closed");
  }
}
