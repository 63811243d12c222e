package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ConnectionStore;
import io.feedbus.store.embedded.EmbeddedConnectionStore;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Bans, priorities, the cap and draining set at run time are stored, and a node that (re)starts takes them back. */
@ExtendWith(VertxExtension.class)
class RuntimeSettingsRestartTest {

  @TempDir
  Path dir;

  @Test
  void aRestartedNodeKeepsItsBansPrioritiesCapAndDraining(Vertx vertx) throws Exception {
    Feedbus first = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement())));
    WebClient http = WebClient.create(vertx);
    put(http, first, "/connections/priorities/mallory", new JsonObject().put("priority", "BANNED"));
    put(http, first, "/connections/priorities/alice", new JsonObject().put("priority", "HIGH"));
    put(http, first, "/connections/cap", new JsonObject().put("cap", 7));
    put(http, first, "/connections/accepting", new JsonObject().put("accepting", false));
    await(first.close());

    Feedbus second = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement())));
    try {
      JsonObject settings = await(http.get(second.httpPort(), "127.0.0.1", "/connections/settings").send()).bodyAsJsonObject();
      assertThat(settings.getInteger("cap")).isEqualTo(7);
      assertThat(settings.getBoolean("accepting")).isFalse();
      assertThat(await(http.get(second.httpPort(), "127.0.0.1", "/admission/alice").send()).bodyAsJsonObject().getString("priority"))
          .isEqualTo("HIGH");
      assertThat(refusal(vertx, new JsonObject().put("uid", "mallory")).code()).isEqualTo("banned");
    } finally {
      http.close();
      await(second.close());
    }
  }

  @Test
  void aNodeThatStartsLaterTakesTheChangesMadeForEveryNode(Vertx vertx) throws Exception {
    ConnectionStore store = await(EmbeddedConnectionStore.open(vertx, null));
    PresenceOptions options = new PresenceOptions();
    Vertx vertxB = Vertx.vertx();
    try {
      await(vertx.deployVerticle(new ConnectionRegistryVerticle(store, "node-a", options, PresenceObserver.NONE)));
      await(vertx.eventBus().request(PresenceAddresses.BAN, new JsonObject().put("uid", "mallory")));
      await(vertx.eventBus().request(PresenceAddresses.CAP, new JsonObject().put("cap", 3)));

      ConnectionRegistryVerticle nodeB = new ConnectionRegistryVerticle(store, "node-b", options, PresenceObserver.NONE);
      await(vertxB.deployVerticle(nodeB));

      assertThat(nodeB.registry().priorityOf("mallory")).isEqualTo(Priority.BANNED);
      assertThat(nodeB.registry().settings().getInteger("cap")).isEqualTo(3);
    } finally {
      await(vertxB.close());
      await(store.close());
    }
  }

  private static void put(WebClient http, Feedbus node, String path, JsonObject body) throws Exception {
    assertThat(await(http.put(node.httpPort(), "127.0.0.1", path).sendJsonObject(body)).statusCode()).isEqualTo(200);
  }

  private static FeedbusException refusal(Vertx vertx, JsonObject connection) throws Exception {
    Throwable t = vertx.eventBus().request(PresenceAddresses.UPSERT, connection).toCompletionStage().toCompletableFuture()
        .handle((v, e) -> e).get(30, TimeUnit.SECONDS);
    return FeedbusException.from(t);
  }
}
