package io.feedbus.publish;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.event.Cursor;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code feedbus.publish} on the bus: acks, cursors, and the errors bad requests get. */
@ExtendWith(VertxExtension.class)
class PublishServiceTest {

  @TempDir
  Path dir;
  Feedbus node;
  Vertx vertx;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("publish", new JsonObject().put("maxPayloadBytes", 1024)))));
  }

  @AfterEach
  void stop() throws Exception {
    await(node.close());
  }

  private Future<JsonObject> publish(Object body) {
    return vertx.eventBus().<JsonObject>request(PublishRequest.ADDRESS, body).map(m -> m.body());
  }

  private ReplyException failure(Object body) throws Exception {
    Throwable t = publish(body).toCompletionStage().toCompletableFuture().handle((v, e) -> e).get();
    if (t instanceof java.util.concurrent.CompletionException) {
      t = t.getCause();
    }
    assertThat(t).as("expected a failure for " + body).isInstanceOf(ReplyException.class);
    return (ReplyException) t;
  }

  @Test
  void publishAcknowledgesWithIdCursorAndTimestamp() throws Exception {
    long before = System.currentTimeMillis();
    JsonObject ack = await(publish(new JsonObject().put("topic", "orders").put("payload", new JsonObject().put("n", 1))));
    assertThat(ack.fieldNames()).containsExactlyInAnyOrder("id", "cursor", "ts");
    Cursor cursor = Cursor.parse(ack.getString("cursor"));
    assertThat(ack.getString("id")).isEqualTo(cursor.value());
    assertThat(ack.getLong("ts")).isBetween(before, System.currentTimeMillis());
    JsonObject stored = await(node.eventLog().readAfter("orders", null, 10)).get(0).toJson();
    assertThat(stored.getJsonObject("payload")).isEqualTo(new JsonObject().put("n", 1));
  }

  @Test
  void theLocalAddressTakesTheBodyByReferenceAndAnswersWithTheAckItself() throws Exception {
    JsonObject payload = new JsonObject().put("n", 2);
    JsonObject body = new JsonObject().put("topic", "orders").put("payload", payload);
    Object reply = await(vertx.eventBus().request(PublishRequest.LOCAL_ADDRESS, body,
        io.feedbus.event.JsonByReference.localDelivery(5_000))).body();
    assertThat(reply).isInstanceOf(io.feedbus.event.Ack.class);
    io.feedbus.event.Ack ack = (io.feedbus.event.Ack) reply;
    assertThat(await(node.eventLog().readAfter("orders", null, 10))).extracting(e -> e.id()).containsExactly(ack.id());
    // Bad input gets the same coded failure as on the shared address.
    Throwable refused = vertx.eventBus().request(PublishRequest.LOCAL_ADDRESS, new JsonObject().put("topic", "orders"),
        io.feedbus.event.JsonByReference.localDelivery(5_000)).toCompletionStage().toCompletableFuture().handle((v, e) -> e).get();
    assertThat(refused.getCause() != null ? refused.getCause() : refused).isInstanceOf(ReplyException.class)
        .hasMessageContaining("missing_payload");
  }

  @Test
  void codeOnTheNodesVertxPublishesWithoutABusRequestAndGetsTheSameCodedFailures() throws Exception {
    List<String> addresses = java.util.Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().addOutboundInterceptor(context -> {
      addresses.add(context.message().address());
      context.next();
    });
    io.feedbus.event.Ack ack = await(PublishRequest.send(vertx, new JsonObject().put("topic", "direct").put("payload", 3), 5_000));
    assertThat(await(node.eventLog().readAfter("direct", null, 10))).extracting(e -> e.id()).containsExactly(ack.id());
    Throwable refused = PublishRequest.send(vertx, new JsonObject().put("topic", "direct").put("payload", "x".repeat(2000)), 5_000)
        .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get();
    refused = refused.getCause() != null ? refused.getCause() : refused;
    assertThat(refused).isInstanceOf(ReplyException.class).hasMessageStartingWith("payload_too_large:");
    assertThat(((ReplyException) refused).failureCode()).isEqualTo(413);
    assertThat(addresses).noneMatch(a -> a.startsWith(PublishRequest.ADDRESS));
  }

  @Test
  void aDirectPublishThatGetsNoAnswerTimesOutAsABusRequestWould() throws Exception {
    Vertx other = Vertx.vertx();
    try {
      io.vertx.core.Context context = other.getOrCreateContext();
      DirectPublish.register(other, context, body -> io.vertx.core.Promise.<io.feedbus.event.Ack>promise().future());
      Throwable late = PublishRequest.send(other, new JsonObject().put("topic", "t").put("payload", 1), 100)
          .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, java.util.concurrent.TimeUnit.SECONDS);
      late = late.getCause() != null ? late.getCause() : late;
      assertThat(late).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) late).failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.TIMEOUT);
      // A service that throws answers with a coded failure, as the bus service does.
      DirectPublish.register(other, context, body -> {
        throw new IllegalStateException("broken");
      });
      Throwable broken = PublishRequest.send(other, new JsonObject(), 5_000)
          .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, java.util.concurrent.TimeUnit.SECONDS);
      broken = broken.getCause() != null ? broken.getCause() : broken;
      assertThat(broken).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) broken).failureCode()).isEqualTo(500);
      DirectPublish.unregister(other, context);
      // Without the service, the request goes to the bus, where no node listens on this Vert.x.
      Throwable none = PublishRequest.send(other, new JsonObject(), 5_000)
          .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, java.util.concurrent.TimeUnit.SECONDS);
      none = none.getCause() != null ? none.getCause() : none;
      assertThat(((ReplyException) none).failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS);
    } finally {
      await(other.close());
    }
  }

  @Test
  void concurrentPublishesGetDistinctIncreasingCursorsInStoreOrder() throws Exception {
    List<Future<JsonObject>> acks = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      acks.add(publish(new JsonObject().put("topic", "burst").put("payload", i)));
    }
    await(Future.all(acks));
    List<String> cursors = acks.stream().map(f -> f.result().getString("cursor")).collect(Collectors.toList());
    assertThat(cursors).doesNotHaveDuplicates().isSorted();
    List<String> stored = await(node.eventLog().readAfter("burst", null, 1000)).stream().map(e -> e.id()).collect(Collectors.toList());
    assertThat(stored).containsExactlyElementsOf(cursors);
  }

  @Test
  void malformedBodiesAreRefusedWithACode() throws Exception {
    ReplyException notJson = failure("{\"topic\": ");
    assertThat(notJson.failureCode()).isEqualTo(400);
    assertThat(notJson.getMessage()).startsWith("bad_request:");
    assertThat(failure(new JsonArray().add(1)).failureCode()).isEqualTo(400);
  }

  @Test
  void missingOrInvalidTopicsAreRefused() throws Exception {
    assertThat(failure(new JsonObject().put("payload", 1)).getMessage()).startsWith("invalid_topic: topic is missing");
    assertThat(failure(new JsonObject().put("topic", 42).put("payload", 1)).getMessage()).startsWith("invalid_topic: topic must be a string");
    assertThat(failure(new JsonObject().put("topic", "has space").put("payload", 1)).getMessage()).startsWith("invalid_topic:");
    assertThat(failure(new JsonObject().put("topic", "x".repeat(129)).put("payload", 1)).getMessage()).startsWith("invalid_topic:");
  }

  @Test
  void fieldsOfTheWrongTypeAreRefusedByName() throws Exception {
    assertThat(failure(new JsonObject().put("topic", "t")).getMessage()).startsWith("missing_payload:");
    assertThat(failure(new JsonObject().put("topic", "t").put("payload", 1).put("persist", "no")).getMessage()).startsWith("invalid_persist:");
    assertThat(failure(new JsonObject().put("topic", "t").put("payload", 1).put("headers", "x")).getMessage()).startsWith("invalid_headers:");
    assertThat(failure(new JsonObject().put("topic", "t").put("payload", 1).put("headers", new JsonObject().put("n", 1))).getMessage())
        .startsWith("invalid_headers: header 'n' must be a string");
    assertThat(failure(new JsonObject().put("topic", "t").put("paylaod", 1).put("payload", 1)).getMessage()).startsWith("unknown_field: unknown field 'paylaod'");
  }

  @Test
  void payloadsOverTheLimitAreRefusedAndNothingIsStored() throws Exception {
    ReplyException tooBig = failure(new JsonObject().put("topic", "big").put("payload", "x".repeat(2000)));
    assertThat(tooBig.failureCode()).isEqualTo(413);
    assertThat(tooBig.getMessage()).startsWith("payload_too_large:").contains("limit is 1024");
    assertThat(await(node.eventLog().readAfter("big", null, 10))).isEmpty();
  }

  @Test
  void theBrokerKeepsServingAfterBadInput() throws Exception {
    failure("garbage");
    failure(Buffer.buffer(new byte[] {1, 2, 3}));
    JsonObject ack = await(publish(new JsonObject().put("topic", "after-garbage").put("payload", true)));
    assertThat(ack.getString("cursor")).isNotBlank();
  }
}
