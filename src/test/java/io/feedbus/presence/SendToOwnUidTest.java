package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.Credentials;
import io.feedbus.testing.SseClient;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code presence.allowSendToOwnUid}, a token's holder without management rights may send to
 * the connections of its own uid, and to nobody else's. (Without it, the auth matrix shows every
 * such send refused.)
 */
class SendToOwnUidTest {

  @TempDir
  Path dir;
  Vertx vertx;
  Feedbus node;
  WebClient http;
  SseClient alice;
  SseClient bob;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("auth", Credentials.authConfig())
        .put("presence", new JsonObject().put("allowSendToOwnUid", true)))));
    http = WebClient.create(vertx);
    String stream = "/topics/" + Credentials.ALLOWED_TOPIC + "/stream";
    alice = await(SseClient.openUri(vertx, node.httpPort(), stream, null, Credentials.TOKEN_WITH_RIGHTS.authorization(vertx)));
    bob = await(SseClient.openUri(vertx, node.httpPort(), stream, null, "Bearer " + Credentials.token(vertx, "bob", Credentials.rights())));
    RegistryReads.connections(vertx, http, node.httpPort(), "transport=sse", 2);
  }

  @AfterEach
  void stop() throws Exception {
    await(alice.close());
    await(bob.close());
    http.close();
    await(node.close());
    await(vertx.close());
  }

  private HttpResponse<Buffer> send(String authorization, JsonObject select, String payload) throws Exception {
    return await(http.post(node.httpPort(), "127.0.0.1", "/connections/send").putHeader("Authorization", authorization)
        .sendJsonObject(new JsonObject().put("select", select).put("payload", payload)));
  }

  @Test
  void aTokenSendsToItsOwnUidsConnectionsOnly() throws Exception {
    String token = Credentials.TOKEN_WITH_RIGHTS.authorization(vertx);
    HttpResponse<Buffer> named = send(token, new JsonObject().put("uid", "alice"), "to my other tab");
    assertThat(named.statusCode()).as(named.bodyAsString()).isEqualTo(200);
    assertThat(named.bodyAsJsonObject()).isEqualTo(new JsonObject().put("matched", 1).put("delivered", 1));
    // Without a uid, the selection is the sender's own connections, not everyone's.
    HttpResponse<Buffer> unnamed = send(token, new JsonObject().put("transport", "sse"), "to all my streams");
    assertThat(unnamed.bodyAsJsonObject()).isEqualTo(new JsonObject().put("matched", 1).put("delivered", 1));
    Waits.poll(vertx, () -> alice.data("direct").size() == 2);
    assertThat(alice.data("direct")).containsExactly("\"to my other tab\"", "\"to all my streams\"");
    assertThat(bob.data("direct")).isEmpty();
  }

  @Test
  void aTokenMayNotSendToAnotherUid() throws Exception {
    HttpResponse<Buffer> response = send(Credentials.TOKEN_WITH_RIGHTS.authorization(vertx), new JsonObject().put("uid", "bob"), "not mine");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    assertThat(response.bodyAsJsonObject().getString("message")).contains("presence.allowSendToOwnUid");
    // An API key still sends to anyone; bob then has that message only.
    HttpResponse<Buffer> managed = send(Credentials.API_KEY.authorization(vertx), new JsonObject().put("uid", "bob"), "from a service");
    assertThat(managed.bodyAsJsonObject().getInteger("delivered")).isEqualTo(1);
    Waits.poll(vertx, () -> bob.data("direct").size() == 1);
    assertThat(bob.data("direct")).containsExactly("\"from a service\"");
  }

  @Test
  void withoutATokenTheOwnUidExceptionDoesNotApply() throws Exception {
    HttpResponse<Buffer> response = await(http.post(node.httpPort(), "127.0.0.1", "/connections/send")
        .sendJsonObject(new JsonObject().put("select", new JsonObject().put("uid", "anonymous")).put("payload", 1)));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("not_authenticated");
  }
}
