package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.testing.TestNodes;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that starts its own Vert.x gives it {@code ops.eventLoops} event-loop threads, and they serve it. */
class EventLoopsTest {

  @TempDir
  Path dir;

  @Test
  void theNodesVertxHasTheConfiguredEventLoops() throws Exception {
    Feedbus node = await(Feedbus.start(TestNodes.options(dir, new JsonObject().put("ops", new JsonObject().put("eventLoops", 1)))));
    try {
      int loops = 0;
      for (var loop : ((VertxInternal) node.vertx()).nettyEventLoopGroup()) {
        loops++;
      }
      assertThat(loops).isEqualTo(1);
      // Everything runs on that one loop: a publish is acknowledged and read back.
      FeedbusClient client = FeedbusClient.create(node.vertx());
      var ack = await(client.publish("loops", "one"));
      assertThat(await(client.history("loops", null, 10)))
          .extracting(e -> e.id()).containsExactly(ack.id());
    } finally {
      await(node.close());
    }
  }
}
