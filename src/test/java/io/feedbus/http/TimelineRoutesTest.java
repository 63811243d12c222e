package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API of the timeline: statuses, bodies, and the errors bad requests get. */
@ExtendWith(VertxExtension.class)
class TimelineRoutesTest {

  @TempDir
  Path dir;
  Feedbus node;
  WebClient http;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("publish", new JsonObject().put("maxPayloadBytes", 4096))
        .put("history", new JsonObject().put("maxPageBytes", 16384)))));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    await(node.close());
  }

  private HttpResponse<Buffer> post(String path, String body) throws Exception {
    return await(http.post(path).putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(body)));
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(http.get(path).send());
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("content-type")).isEqualTo("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
  }

  @Test
  void postThenGetReturnsTheEventWithItsCursor() throws Exception {
    HttpResponse<Buffer> created = post("/topics/orders/events", "{\"payload\":{\"order\":42},\"headers\":{\"source\":\"test\"}}");
    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject ack = created.bodyAsJsonObject();
    JsonObject page = get("/topics/orders/events").bodyAsJsonObject();
    JsonArray events = page.getJsonArray("events");
    assertThat(events).hasSize(1);
    JsonObject event = events.getJsonObject(0);
    assertThat(event.getString("cursor")).isEqualTo(ack.getString("cursor"));
    assertThat(event.getString("topic")).isEqualTo("orders");
    assertThat(event.getJsonObject("payload")).isEqualTo(new JsonObject().put("order", 42));
    assertThat(event.getJsonObject("headers")).isEqualTo(new JsonObject().put("source", "test"));
    assertThat(page.containsKey("next")).isFalse();
  }

  @Test
  void historyPagesWithAfterAndLimitAndSaysWhereToGoNext() throws Exception {
    for (int i = 0; i < 5; i++) {
      post("/topics/paged/events", "{\"payload\":" + i + "}");
    }
    JsonObject first = get("/topics/paged/events?limit=2").bodyAsJsonObject();
    assertThat(first.getJsonArray("events").stream().map(o -> ((JsonObject) o).getInteger("payload"))).containsExactly(0, 1);
    String next = first.getString("next");
    JsonObject second = get("/topics/paged/events?limit=10&after=" + next).bodyAsJsonObject();
    assertThat(second.getJsonArray("events").stream().map(o -> ((JsonObject) o).getInteger("payload"))).containsExactly(2, 3, 4);
  }

  @Test
  void aHistoryPageOverHttpIsTheBusPageEncodedByteForByte(Vertx vertx) throws Exception {
    for (int i = 0; i < 3; i++) {
      post("/topics/bytes/events", "{\"payload\":{\"n\":" + i + ",\"text\":\"caf\u00e9 \\\"q\\\"\"},\"headers\":{\"source\":\"test\"}}");
    }
    for (String query : new String[] {"limit=2", "before=end&limit=2", "limit=10"}) {
      JsonObject request = new JsonObject().put("topic", "bytes").put("limit", 2);
      if (query.startsWith("before")) {
        request.put("before", "end");
      } else if (query.equals("limit=10")) {
        request.put("limit", 10);
      }
      JsonObject bus = await(vertx.eventBus().<JsonObject>request(io.feedbus.feed.HistoryRequest.ADDRESS, request)).body();
      HttpResponse<Buffer> response = get("/topics/bytes/events?" + query);
      assertThat(response.getHeader("content-type")).isEqualTo("application/json");
      assertThat(response.bodyAsString()).as(query).isEqualTo(bus.encode());
    }
  }

  @Test
  void historyBeforeTheEndGivesTheNewestEventsAndOlderPagesBackToTheFirst() throws Exception {
    for (int i = 0; i < 5; i++) {
      post("/topics/back/events", "{\"payload\":" + i + "}");
    }
    List<List<Integer>> pages = new ArrayList<>();
    String before = "end";
    while (before != null) {
      JsonObject page = get("/topics/back/events?limit=2&before=" + before).bodyAsJsonObject();
      pages.add(page.getJsonArray("events").stream().map(o -> ((JsonObject) o).getInteger("payload")).toList());
      before = page.getString("older");
    }
    assertThat(pages).containsExactly(List.of(3, 4), List.of(1, 2), List.of(0));
  }

  @Test
  void historySinceATimestampSkipsOlderEvents() throws Exception {
    post("/topics/since/events", "{\"payload\":\"old\"}");
    long since = post("/topics/since/events", "{\"payload\":\"new\"}").bodyAsJsonObject().getLong("ts");
    JsonObject page = get("/topics/since/events?since=" + since).bodyAsJsonObject();
    assertThat(page.getJsonArray("events").stream().map(o -> ((JsonObject) o).getString("payload"))).contains("new").doesNotContain("old");
  }

  @Test
  void malformedJsonGets400WithAJsonBody() throws Exception {
    assertError(post("/topics/orders/events", "{\"payload\": "), 400, "malformed_json");
    assertError(post("/topics/orders/events", "[1,2]"), 400, "bad_request");
    assertError(post("/topics/orders/events", ""), 400, "bad_request");
  }

  @Test
  void invalidTopicsAndFieldsGet400NamingTheProblem() throws Exception {
    assertError(post("/topics/bad%20topic/events", "{\"payload\":1}"), 400, "invalid_topic");
    assertError(post("/topics/orders/events", "{\"payload\":1,\"persist\":\"yes\"}"), 400, "invalid_persist");
    assertError(post("/topics/orders/events", "{\"data\":1}"), 400, "unknown_field");
    assertError(post("/topics/orders/events", "{\"topic\":\"other\",\"payload\":1}"), 400, "invalid_topic");
    assertError(get("/topics/orders/events?after=nonsense"), 400, "invalid_cursor");
    assertError(get("/topics/orders/events?before=nonsense"), 400, "invalid_cursor");
    assertError(get("/topics/orders/events?limit=0"), 400, "invalid_limit");
    assertError(get("/topics/orders/events?since=yesterday"), 400, "invalid_since");
  }

  @Test
  void oversizePayloadsGet413AndOversizeBodiesToo() throws Exception {
    assertError(post("/topics/orders/events", "{\"payload\":\"" + "x".repeat(5000) + "\"}"), 413, "payload_too_large");
    assertError(post("/topics/orders/events", "{\"payload\":\"" + "x".repeat(200_000) + "\"}"), 413, "payload_too_large");
    assertThat(get("/topics/orders/events").bodyAsJsonObject().getJsonArray("events")).isEmpty();
  }

  @Test
  void nonFiniteNumbersGet400AndAreNotStored() throws Exception {
    assertError(post("/topics/orders/events", "{\"payload\": 1e999}"), 400, "invalid_number");
    HttpResponse<Buffer> nested = post("/topics/orders/events", "{\"payload\": {\"ok\": [2.5], \"a\": [1, {\"b\": -1e999}]}}");
    assertError(nested, 400, "invalid_number");
    // The message names the number's place in the payload.
    assertThat(nested.bodyAsJsonObject().getString("message")).startsWith("payload.a[1].b is not a finite number");
    assertThat(get("/topics/orders/events").bodyAsJsonObject().getJsonArray("events")).isEmpty();
  }

  @Test
  void headersCountTowardThePayloadLimit() throws Exception {
    // Payload alone: 2 + 3000 bytes, under 4096; with a 2000-byte header over it.
    String payload = "\"" + "x".repeat(3000) + "\"";
    assertError(post("/topics/orders/events", "{\"payload\": " + payload + ", \"headers\": {\"h\": \"" + "y".repeat(2000) + "\"}}"),
        413, "payload_too_large");
    assertThat(post("/topics/orders/events", "{\"payload\": " + payload + ", \"headers\": {\"h\": \"y\"}}").statusCode()).isEqualTo(201);
  }

  @Test
  void aPayloadExactlyAtTheLimitIsStored() throws Exception {
    assertThat(post("/topics/orders/events", "{\"payload\": \"" + "x".repeat(4094) + "\"}").statusCode()).isEqualTo(201);
    assertError(post("/topics/orders/events", "{\"payload\": \"" + "x".repeat(4095) + "\"}"), 413, "payload_too_large");
  }

  @Test
  void aHistoryPageOfTheLargestEventsStaysWithinMaxPageBytesAndNextContinues() throws Exception {
    postLargestEvents("heavy");
    List<String> seen = new ArrayList<>();
    int pages = readBoundedPages("/topics/heavy/events?limit=1000", "after", "next", page -> page.forEach(seen::add));
    assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> String.format("%04d", i)).toList());
    assertThat(pages).isGreaterThan(1);
  }

  @Test
  void aHistoryPageBeforeACursorStaysWithinMaxPageBytesAndOlderContinues() throws Exception {
    postLargestEvents("heavy.back");
    List<String> seen = new ArrayList<>();
    int pages = readBoundedPages("/topics/heavy.back/events?limit=1000&before=end", "before", "older", page -> seen.addAll(0, page));
    assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> String.format("%04d", i)).toList());
    assertThat(pages).isGreaterThan(1);
  }

  /** Twenty events whose payload is 4096 bytes of JSON (the limit), numbered in their first four characters. */
  private void postLargestEvents(String topic) throws Exception {
    for (int i = 0; i < 20; i++) {
      String payload = String.format("%04d", i) + "x".repeat(4090);
      assertThat(post("/topics/" + topic + "/events", "{\"payload\": \"" + payload + "\"}").statusCode()).isEqualTo(201);
    }
  }

  /**
   * Reads pages from {@code first}, then with {@code cursorParam} set to each reply's {@code leadField}
   * until there is none; checks each page stays within maxPageBytes and hands on its payloads' numbers.
   * Returns how many pages it read.
   */
  private int readBoundedPages(String first, String cursorParam, String leadField,
                               java.util.function.Consumer<List<String>> numbers) throws Exception {
    String path = first;
    int pages = 0;
    while (path != null) {
      JsonObject body = get(path).bodyAsJsonObject();
      assertThat(body.getJsonArray("events").encode().length()).isLessThanOrEqualTo(16384);
      numbers.accept(body.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("payload").substring(0, 4)).toList());
      String lead = body.getString(leadField);
      path = lead == null ? null : first.replaceAll("[?&]" + cursorParam + "=[^&]*", "") + "&" + cursorParam + "=" + lead;
      pages++;
    }
    return pages;
  }

  @Test
  void unknownPathsAndMethodsGetJsonErrors() throws Exception {
    assertError(get("/nothing-here"), 404, "not_found");
    assertError(await(http.delete("/topics/orders/events").send()), 405, "method_not_allowed");
  }

  @Test
  void theServerKeepsServingAfterBadRequests() throws Exception {
    for (int i = 0; i < 20; i++) {
      post("/topics/orders/events", "{not json" + i);
    }
    assertThat(post("/topics/orders/events", "{\"payload\":\"still here\"}").statusCode()).isEqualTo(201);
  }

  @Test
  void aPathThatIsNotValidUrlEncodingGetsAJson400AndLogsNoError() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    root.addAppender(logged);
    try {
      assertError(get("/topics/a%zzb/events"), 400, "bad_request");
    } finally {
      root.detachAppender(logged);
    }
    assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
  }

  @Test
  void historyRefusesAfterTogetherWithSince() throws Exception {
    String cursor = post("/topics/both/events", "{\"payload\": 1}").bodyAsJsonObject().getString("cursor");
    assertError(get("/topics/both/events?after=" + cursor + "&since=0"), 400, "invalid_query");
  }

  @Test
  void historyRefusesBeforeTogetherWithAfterOrSince() throws Exception {
    String cursor = post("/topics/both/events", "{\"payload\": 1}").bodyAsJsonObject().getString("cursor");
    assertError(get("/topics/both/events?before=end&after=" + cursor), 400, "invalid_query");
    assertError(get("/topics/both/events?before=" + cursor + "&since=0"), 400, "invalid_query");
  }

  @Test
  void historyRefusesALimitAboveTheMaximumAndSaysWhichItIs() throws Exception {
    HttpResponse<Buffer> response = get("/topics/big/events?limit=" + (node.options().history().maxLimit + 1));
    assertError(response, 400, "invalid_limit");
    assertThat(response.bodyAsJsonObject().getString("message")).contains("from 1 to " + node.options().history().maxLimit);
  }

  @Test
  void malformedJsonSaysWhereTheBodyBreaksWithoutTheParsersInternals() throws Exception {
    HttpResponse<Buffer> response = post("/topics/orders/events", "{\"payload\": x}");
    assertError(response, 400, "malformed_json");
    assertThat(response.bodyAsJsonObject().getString("message"))
        .startsWith("the body is not valid JSON (line 1, column ")
        .doesNotContain("Jackson", "token", "code 120");
  }
}
