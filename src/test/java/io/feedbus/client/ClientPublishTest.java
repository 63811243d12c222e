package io.feedbus.client;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.event.Ack;
import io.feedbus.event.FeedbusException;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code publish} from a client on the broker node's own Vert.x, which goes by reference to the publish service. */
@ExtendWith(VertxExtension.class)
class ClientPublishTest {

  @TempDir
  Path dir;
  Feedbus node;
  FeedbusClient client;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    node = await(Feedbus.start(vertx, TestNodes.options(dir)));
    client = FeedbusClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    await(node.close());
  }

  private static FeedbusException failure(Future<?> future) {
    Throwable t = future.toCompletionStage().toCompletableFuture().handle((v, e) -> e).join();
    assertThat(t).isInstanceOf(FeedbusException.class);
    return (FeedbusException) t;
  }

  @Test
  void thePayloadIsTakenAsItIsWhenPublishIsCalled() throws Exception {
    JsonObject payload = new JsonObject().put("n", 1);
    Future<Ack> ack = client.publish("snap", payload);
    payload.put("n", 2).put("late", true);
    await(ack);
    assertThat(await(client.history("snap", null, 10)).get(0).payload()).isEqualTo(new JsonObject().put("n", 1));
  }

  @Test
  void aValueJsonCannotHoldOrABadTopicFailsWithACodedError() {
    assertThat(failure(client.publish("pojo", new Object())).code()).isEqualTo("bad_request");
    assertThat(failure(client.publish("no spaces", 1)).code()).isEqualTo("invalid_topic");
    assertThat(failure(client.publish("big", "x".repeat(2 * 1024 * 1024), Map.of(), true)).code()).isEqualTo("payload_too_large");
  }
}
