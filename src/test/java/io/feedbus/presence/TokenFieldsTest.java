package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.Credentials;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token's fields claim sets the fields of its connections, over SSE and over the bridge: only the
 * fields {@code presence.clientFields} allows, within {@code maxClientFieldLength}, and over the
 * fields the client gave in its URL.
 */
class TokenFieldsTest {

  /** What the client asks for in its URL; the token says otherwise. */
  static final String URL_FIELDS = "?channel=%23from-url";

  @TempDir
  Path dir;
  Vertx vertx;
  Feedbus node;
  WebClient http;
  HttpClient streams;
  WebSocketClient sockets;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("auth", Credentials.authConfig()))));
    http = WebClient.create(vertx);
    streams = vertx.createHttpClient(new HttpClientOptions().setIdleTimeout(0).setKeepAlive(false));
    sockets = vertx.createWebSocketClient();
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    await(streams.close());
    await(sockets.close());
    await(node.close());
    await(vertx.close());
  }

  /** An SSE stream's response, and the body of a refusal (read on the event loop as it arrives: later it would be gone). */
  record Answer(HttpClientResponse response, String refusal) {
  }

  /** Opens an SSE stream of the allowed topic with {@code authorization}; the answer, once the response began (or, refused, ended). */
  private Answer stream(String authorization) throws Exception {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.httpPort())
        .setURI("/topics/" + Credentials.ALLOWED_TOPIC + "/stream" + URL_FIELDS).putHeader("Authorization", authorization);
    return await(streams.request(request).compose(r -> r.send()).compose(response -> response.statusCode() == 200
        ? io.vertx.core.Future.succeededFuture(new Answer(response, null))
        : response.body().map(body -> new Answer(response, body.toString()))));
  }

  private WebSocket socket(String authorization) throws Exception {
    return await(sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort())
        .setURI("/eventbus/websocket" + URL_FIELDS).addHeader("Authorization", authorization)));
  }

  /** The fields of the one connection of {@code transport} in the registry, once it registered. */
  private JsonObject fieldsOfTheConnection(String transport) throws Exception {
    return RegistryReads.connections(vertx, http, node.httpPort(), "transport=" + transport, 1).getJsonObject(0).getJsonObject("fields");
  }

  @Test
  void aStreamsConnectionHasItsTokensFieldsOverItsUrlsAndOnlyTheAllowedOnes() throws Exception {
    HttpClientResponse response = stream(Credentials.TOKEN_WITH_FIELDS.authorization(vertx)).response();
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject fields = fieldsOfTheConnection("sse");
    assertThat(fields.getString("channel")).isEqualTo("#from-token");
    assertThat(fields.containsKey("role")).as("not in presence.clientFields").isFalse();
    response.request().connection().close();
  }

  @Test
  void aBrowsersConnectionHasItsTokensFieldsOverItsUrlsAndOnlyTheAllowedOnes() throws Exception {
    WebSocket ws = socket(Credentials.TOKEN_WITH_FIELDS.authorization(vertx));
    JsonObject fields = fieldsOfTheConnection("sockjs");
    assertThat(fields.getString("channel")).isEqualTo("#from-token");
    assertThat(fields.containsKey("role")).as("not in presence.clientFields").isFalse();
    await(ws.close());
  }

  @Test
  void withoutFieldsInTheTokenTheUrlsCount() throws Exception {
    HttpClientResponse response = stream(Credentials.TOKEN_WITH_RIGHTS.authorization(vertx)).response();
    assertThat(fieldsOfTheConnection("sse").getString("channel")).isEqualTo("#from-url");
    response.request().connection().close();
    WebSocket ws = socket(Credentials.TOKEN_WITH_RIGHTS.authorization(vertx));
    assertThat(fieldsOfTheConnection("sockjs").getString("channel")).isEqualTo("#from-url");
    await(ws.close());
  }

  @Test
  void aTokenFieldLongerThanTheLimitRefusesTheStreamAndTheSocket() throws Exception {
    String token = "Bearer " + Credentials.token(vertx, "alice", Credentials.rights(),
        new JsonObject().put("channel", "c".repeat(new PresenceOptions().maxClientFieldLength + 1)));
    Answer refused = stream(token);
    assertThat(refused.response().statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(refused.refusal());
    assertThat(error.getString("error")).isEqualTo("invalid_field");
    assertThat(error.getString("message")).startsWith("the token's field channel is longer than");

    io.vertx.core.Promise<JsonObject> closing = io.vertx.core.Promise.promise();
    // The handler is set as the socket opens: the refusal follows at once.
    await(sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort())
        .setURI("/eventbus/websocket" + URL_FIELDS).addHeader("Authorization", token))
        .onSuccess(ws -> ws.binaryMessageHandler(data -> closing.tryComplete(data.toJsonObject()))));
    JsonObject frame = await(closing.future());
    assertThat(frame.getJsonObject("body").getString("reason")).contains("the token's field channel is longer than");
  }
}
