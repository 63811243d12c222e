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
  void connectionRecordsAreThereAfterAReopenAndCountedFromTheFile(Vertx vertx) throws Exception {
    // Record writes are left to the background commit; close commits them, and a reopened store knows them.
    await(store.upsert(connection("c1", "n1", "u", now)));
    await(store.upsert(connection("c2", "n1", "u", now)));
    await(store.touch("c2", now + 5));
    await(store.remove("c1"));
    await(store.close());
    store = await(openStore(vertx));
    otherNode = store;
    assertThat(await(store.get("c1"))).isNull();
    assertThat(await(store.get("c2")).lastSeen()).isEqualTo(now + 5);
    assertThat(await(store.count(io.feedbus.store.ConnectionFilter.all(0)))).isEqualTo(1);
    assertThat(await(store.expire(now + 6))).extracting(io.feedbus.presence.ConnectionRecord::connectionId).containsExactly("c2");
    assertThat(await(store.count(io.feedbus.store.ConnectionFilter.all(0)))).isZero();
  }

  @Test
  void aCallerChangingTheFieldsOfTheRecordItRegisteredChangesNothingStored() throws Exception {
    io.feedbus.presence.ConnectionRecord mine = connection("c1", "n1", "u", now);
    mine.fields().put("channel", "#a");
    await(store.upsert(mine));
    mine.fields().put("channel", "#b");
    assertThat(await(store.get("c1")).fields().getString("channel")).isEqualTo("#a");
  }

  @Test
  void aClosedStoreFailsWithStoreUnavailable() throws Exception {
    await(store.close());
    Throwable failure = store.get("x").toCompletionStage().toCompletableFuture().handle((v, t) -> t).get();
    assertThat(failure).hasMessageContaining("closed");
  }
}
