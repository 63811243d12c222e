package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.Credentials;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every HTTP entry with auth configured (JWT key, issuer, audience, an API key; anonymous access
 * therefore off), against every kind of credential: publish, history and SSE answer by the caller's
 * topic rights, refusals are JSON errors with a code, and a refused request stores and reveals nothing.
 */
class HttpAuthMatrixTest {

  static Vertx vertx;
  static Feedbus node;
  static WebClient http;
  static Path dir;
  /** Payloads of the publishes the matrix expected to be accepted. */
  static final List<String> accepted = new ArrayList<>();

  /** Deleted by JUnit after the class, with the node's files. */
  @org.junit.jupiter.api.io.TempDir
  static Path tempDir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    dir = tempDir;
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("auth", Credentials.authConfig()))));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
  }

  @AfterAll
  static void stop() throws Exception {
    http.close();
    await(node.close());
    await(vertx.close());
  }

  static <T> HttpRequest<T> authorized(HttpRequest<T> request, Credentials credential) {
    String authorization = credential.authorization(vertx);
    return authorization == null ? request : request.putHeader("Authorization", authorization);
  }

  static void assertRefused(int status, String contentType, String body, Credentials credential, String topic) {
    assertThat(status).as(credential + " on " + topic + ": " + body).isEqualTo(credential.expectedStatus(topic));
    assertThat(contentType).isEqualTo("application/json");
    JsonObject error = new JsonObject(body);
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("error", "message");
    assertThat(error.getString("error")).isEqualTo(credential.expectedError(topic));
  }

  @ParameterizedTest(name = "publish with {0} on {1}")
  @MethodSource("io.feedbus.testing.Credentials#withTopics")
  void publishAnswersByTheCallersRights(Credentials credential, String topic) throws Exception {
    String payload = credential + "/" + topic;
    HttpResponse<Buffer> response = await(authorized(http.post("/topics/" + topic + "/events"), credential)
        .sendJsonObject(new JsonObject().put("payload", payload)));
    if (credential.expectedStatus(topic) == 200) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
      synchronized (accepted) {
        accepted.add(payload);
      }
    } else {
      assertRefused(response.statusCode(), response.getHeader("content-type"), response.bodyAsString(), credential, topic);
    }
    // Whatever was refused is not stored: the log holds exactly the accepted publishes so far.
    List<String> stored = new ArrayList<>();
    for (String t : List.of(Credentials.ALLOWED_TOPIC, Credentials.OTHER_TOPIC)) {
      await(node.eventLog().readAfter(t, null, 1000)).forEach(e -> stored.add(String.valueOf(e.payload())));
    }
    synchronized (accepted) {
      assertThat(stored).containsExactlyInAnyOrderElementsOf(accepted);
    }
  }

  @ParameterizedTest(name = "history with {0} on {1}")
  @MethodSource("io.feedbus.testing.Credentials#withTopics")
  void historyAnswersByTheCallersRights(Credentials credential, String topic) throws Exception {
    // Something to read (or to leak): one event published with the API key.
    await(http.post("/topics/" + topic + "/events").putHeader("Authorization", "apikey " + Credentials.KEY)
        .sendJsonObject(new JsonObject().put("payload", "history of " + topic)));
    synchronized (accepted) {
      accepted.add("history of " + topic);
    }
    HttpResponse<Buffer> response = await(authorized(http.get("/topics/" + topic + "/events"), credential).send());
    if (credential.expectedStatus(topic) == 200) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getJsonArray("events")).isNotEmpty();
    } else {
      assertRefused(response.statusCode(), response.getHeader("content-type"), response.bodyAsString(), credential, topic);
      assertThat(response.bodyAsString()).doesNotContain("history of");
    }
  }

  @ParameterizedTest(name = "stream with {0} on {1}")
  @MethodSource("io.feedbus.testing.Credentials#withTopics")
  void aStreamOpensOnlyWithinTheCallersRights(Credentials credential, String topic) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.httpPort())
        .setURI("/topics/" + topic + "/stream?since=1");
    String authorization = credential.authorization(vertx);
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    if (credential.expectedStatus(topic) != 200) {
      // A refusal is an ordinary response: read it like history's, on the shared pooled client.
      HttpResponse<Buffer> refused = await(authorized(http.get("/topics/" + topic + "/stream?since=1"), credential).send());
      assertRefused(refused.statusCode(), refused.getHeader("content-type"), refused.bodyAsString(), credential, topic);
      return;
    }
    // An accepted stream never ends by itself: the test ends it by closing its connection, on a
    // client of its own so that nothing of that closed connection can reach another request.
    HttpClient streams = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    JsonObject answer;
    try {
      answer = await(streams.request(options).compose(req -> req.send()).map(response -> {
        JsonObject seen = new JsonObject().put("status", response.statusCode()).put("contentType", response.getHeader("content-type"));
        response.request().connection().close();
        return seen;
      }));
    } finally {
      await(streams.close());
    }
    assertThat(answer.getInteger("status")).isEqualTo(200);
    assertThat(answer.getString("contentType")).isEqualTo("text/event-stream");
  }

  @ParameterizedTest(name = "send to the own uid's connections with {0}")
  @EnumSource(Credentials.class)
  void sendingToConnectionsNeedsManagementWhileSendingToTheOwnUidIsNotAllowed(Credentials credential) throws Exception {
    // presence.allowSendToOwnUid is off here: a token may not send even to its own uid (alice).
    HttpResponse<Buffer> response = await(authorized(http.post("/connections/send"), credential)
        .sendJsonObject(new JsonObject().put("select", new JsonObject().put("uid", "alice")).put("payload", "hi")));
    if (credential == Credentials.API_KEY) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getInteger("matched")).isZero();
    } else {
      int expected = credential.expectedStatus(Credentials.ALLOWED_TOPIC) == 401 ? 401 : 403;
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(expected);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(expected == 403 ? "forbidden" : credential.expectedError(Credentials.ALLOWED_TOPIC));
    }
  }

  @ParameterizedTest(name = "a 401 with {0} says which schemes are accepted")
  @EnumSource(value = Credentials.class, names = {"NONE", "EXPIRED_TOKEN", "FORGED_TOKEN", "ALG_NONE_TOKEN"})
  void aRefusalForWantOfACredentialNamesTheAcceptedSchemes(Credentials credential) throws Exception {
    HttpResponse<Buffer> response = await(authorized(http.get("/topics/orders.eu/events"), credential).send());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).contains("Bearer").contains("apikey");
  }

  @Test
  void anApiKeyThatIsNotConfiguredIsRefused() throws Exception {
    HttpResponse<Buffer> response = await(http.post("/topics/orders.eu/events")
        .putHeader("Authorization", "apikey not-the-key-0123456789abcdef0123456789").sendJsonObject(new JsonObject().put("payload", 1)));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_api_key");
  }

  @Test
  void healthAndReadinessStayOpen() throws Exception {
    assertThat(await(http.get("/health").send()).statusCode()).isEqualTo(200);
    assertThat(await(http.get("/ready").send()).statusCode()).isEqualTo(200);
  }
}
