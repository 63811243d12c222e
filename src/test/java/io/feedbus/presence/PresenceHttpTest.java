package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.client.Subscription;
import io.feedbus.event.FeedbusException;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP endpoints of a real node, compared as exact JSON, and the Java client's subscriptions as connections. */
@ExtendWith(VertxExtension.class)
class PresenceHttpTest {

  @TempDir
  Path dir;
  Feedbus node;
  WebClient http;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    node = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement().put("nodeId", "node-1")
        .put("presence", new JsonObject().put("priorities", new JsonObject().put("mallory", "BANNED"))))));
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    await(node.close());
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(http.get(node.httpPort(), "127.0.0.1", path).send());
  }

  @Test
  void canStreamAnswersExactlyTheDocumentedShapeUntilTheLimit() throws Exception {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<Buffer> response = get("/canStream/u1");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.bodyAsString()).isEqualTo("{\"result\":\"success\",\"uid\":\"u1\",\"canStream\":true,\"streamCount\":" + i + "}");
    }
    HttpResponse<Buffer> refused = get("/canStream/u1");
    assertThat(refused.statusCode()).isEqualTo(200);
    assertThat(refused.bodyAsJsonObject()).isEqualTo(new JsonObject("{\"result\":\"success\",\"uid\":\"u1\",\"canStream\":false,\"streamCount\":3}"));
  }

  @Test
  void endStreamAnswersExactlyTheDocumentedShapeAndNeverGoesBelowZero() throws Exception {
    get("/canStream/u1");
    HttpResponse<Buffer> ended = get("/endStream/u1");
    assertThat(ended.statusCode()).isEqualTo(200);
    assertThat(ended.bodyAsString()).isEqualTo("{\"result\":\"success\",\"uid\":\"u1\",\"removedStream\":true,\"streamCount\":0}");
    assertThat(get("/endStream/u1").bodyAsString()).isEqualTo("{\"result\":\"success\",\"uid\":\"u1\",\"removedStream\":false,\"streamCount\":0}");
    assertThat(get("/canStream/u1").bodyAsJsonObject().getInteger("streamCount")).isEqualTo(1);
  }

  @Test
  void aBannedUidGetsCanStreamFalse() throws Exception {
    assertThat(get("/canStream/mallory").bodyAsString()).isEqualTo("{\"result\":\"success\",\"uid\":\"mallory\",\"canStream\":false,\"streamCount\":0}");
  }

  @Test
  void countByServerIsABareArrayOfServerIdAndCount(Vertx vertx) throws Exception {
    FeedbusClient client = FeedbusClient.create(vertx);
    Subscription subscription = await(client.subscribe("orders", null, "alice", event -> { }));
    HttpResponse<Buffer> response = get("/connections/count-by-server");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonArray()).isEqualTo(new JsonArray("[{\"serverId\":\"node-1\",\"count\":1}]"));
    JsonArray listed = get("/connections?uid=alice&transport=eventbus").bodyAsJsonObject().getJsonArray("connections");
    assertThat(listed).hasSize(1);
    assertThat(listed.getJsonObject(0).getString("connectionId")).isEqualTo(subscription.connectionId());
    await(subscription.cancel());
    assertThat(get("/connections/count-by-server").bodyAsJsonArray()).isEmpty();
  }

  @Test
  void aSubscriptionOfABannedUidIsRefused(Vertx vertx) throws Exception {
    Throwable refused = FeedbusClient.create(vertx).subscribe("orders", null, "mallory", event -> { })
        .toCompletionStage().toCompletableFuture().handle((v, t) -> t).get();
    assertThat(((FeedbusException) refused).code()).isEqualTo("banned");
  }

  @Test
  void aSubscriptionEndsWhenTheRegistryClosesIt(Vertx vertx) throws Exception {
    Subscription subscription = await(FeedbusClient.create(vertx).withUid("eve").subscribe("orders", null, event -> { }));
    HttpResponse<Buffer> banned = await(http.put(node.httpPort(), "127.0.0.1", "/connections/priorities/eve")
        .sendJsonObject(new JsonObject().put("priority", "BANNED")));
    assertThat(banned.statusCode()).isEqualTo(200);
    assertThat(await(subscription.closed())).isEqualTo("banned");
  }

  @Test
  void admissionStateAndManagementEndpointsAnswerJson() throws Exception {
    get("/canStream/u2");
    assertThat(get("/admission/u2").bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("uid", "u2").put("streamCount", 1).put("limit", 3).put("canStream", true).put("priority", "MEDIUM"));
    HttpResponse<Buffer> cap = await(http.put(node.httpPort(), "127.0.0.1", "/connections/cap").sendJsonObject(new JsonObject().put("cap", 5)));
    assertThat(cap.bodyAsJsonObject()).isEqualTo(new JsonObject().put("serverId", "node-1").put("cap", 5).put("accepting", true));
    HttpResponse<Buffer> bad = get("/canStream/a%23b");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("error")).isEqualTo("invalid_uid");
  }
}
