package io.feedbus.feed;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class RetentionVerticleTest {

  @Test
  void eventsOlderThanTheRetentionAgeAreTrimmedPeriodically(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = await(Feedbus.start(vertx, TestNodes.options(dir,
        new JsonObject().put("retention", new JsonObject().put("maxAgeMillis", 300).put("intervalMillis", 100)))));
    try {
      FeedbusClient client = FeedbusClient.create(vertx);
      await(client.publish("short-lived", 1));
      assertThat(await(node.eventLog().readAfter("short-lived", null, 10))).hasSize(1);
      long deadline = System.currentTimeMillis() + 10_000;
      while (!await(node.eventLog().readAfter("short-lived", null, 10)).isEmpty()) {
        assertThat(System.currentTimeMillis()).as("trimmed within 10 s").isLessThan(deadline);
        Thread.sleep(50);
      }
    } finally {
      await(node.close());
    }
  }
}
