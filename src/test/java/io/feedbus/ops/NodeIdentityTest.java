package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A node on the embedded engine keeps the id it generated in its data directory; a configured nodeId wins. */
@ExtendWith(VertxExtension.class)
class NodeIdentityTest {

  @TempDir
  Path dir;

  @Test
  void aRestartedNodeKeepsTheIdItGeneratedAndTagsCursorsWithIt(Vertx vertx) throws Exception {
    Feedbus first = TestNodes.start(vertx, dir);
    String id = first.nodeId();
    Ack before = await(FeedbusClient.create(vertx).publish("ids", 1));
    await(first.close());

    Feedbus second = TestNodes.start(vertx, dir);
    try {
      Ack after = await(FeedbusClient.create(vertx).publish("ids", 2));
      assertThat(second.nodeId()).isEqualTo(id);
      assertThat(dir.resolve("node-id")).hasContent(id);
      assertThat(after.cursor().substring(after.cursor().lastIndexOf('-')))
          .isEqualTo(before.cursor().substring(before.cursor().lastIndexOf('-')));
    } finally {
      await(second.close());
    }
  }

  @Test
  void aConfiguredNodeIdWinsOverTheStoredOne(Vertx vertx) throws Exception {
    await(TestNodes.start(vertx, dir).close());
    Feedbus named = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("nodeId", "edge-7"))));
    try {
      assertThat(named.nodeId()).isEqualTo("edge-7");
    } finally {
      await(named.close());
    }
  }

  @Test
  void nodesInDifferentDataDirectoriesGetDifferentIds(Vertx vertx) throws Exception {
    Feedbus one = TestNodes.start(vertx, dir.resolve("one"));
    String first = one.nodeId();
    await(one.close());
    Feedbus two = TestNodes.start(vertx, dir.resolve("two"));
    try {
      assertThat(two.nodeId()).isNotEqualTo(first);
    } finally {
      await(two.close());
    }
  }
}
