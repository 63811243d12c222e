package io.feedbus.cli;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end against a running node: output, errors and exit codes. */
@ExtendWith(VertxExtension.class)
class CommandLineTest {

  @TempDir
  Path dir;
  Feedbus node;
  String url;

  record Run(int code, String out, String err) {
    List<JsonObject> jsonLines() {
      return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).map(JsonObject::new).collect(Collectors.toList());
    }
  }

  /** The node's service key: management commands need it; publishing and reading are open to anonymous callers here. */
  static final String API_KEY = "cli-test-api-key-0123456789abcdef0123";

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("auth", new JsonObject()
        .put("anonymous", true).put("apiKeys", new io.vertx.core.json.JsonArray().add(API_KEY))))));
    url = "http://127.0.0.1:" + node.httpPort();
  }

  @AfterEach
  void stop() throws Exception {
    await(node.close());
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void publishPrintsTheAckOnceStored() throws Exception {
    Run r = run("publish", "--url", url, "orders", "{\"order\": 42}", "--header", "source=cli");
    assertThat(r.code()).as(r.err()).isZero();
    JsonObject ack = new JsonObject(r.out().trim());
    assertThat(ack.getString("cursor")).isNotBlank();
    var stored = await(node.eventLog().readAfter("orders", null, 10));
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).id()).isEqualTo(ack.getString("id"));
    assertThat(stored.get(0).headers()).containsEntry("source", "cli");
  }

  @Test
  void publishWithInvalidJsonFailsWithExitOneAndSaysWhyOnStderr() {
    Run r = run("publish", "--url", url, "orders", "{not json");
    assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("malformed_json");
  }

  @Test
  void historyPrintsStoredEventsAsJsonLinesOldestFirst(Vertx vertx) throws Exception {
    FeedbusClient client = FeedbusClient.create(vertx);
    for (int i = 0; i < 3; i++) {
      await(client.publish("hist", i));
    }
    Run r = run("history", "--url", url, "hist");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.jsonLines().stream().map(e -> e.getValue("payload"))).containsExactly(0, 1, 2);
    Run limited = run("history", "--url", url, "hist", "--limit", "2", "--after", r.jsonLines().get(0).getString("cursor"));
    assertThat(limited.jsonLines().stream().map(e -> e.getValue("payload"))).containsExactly(1, 2);
  }

  /**
   * Pages of 1 KiB hold one of these events: the newest ones before the end come over several pages,
   * newest page first, and are still printed oldest first; the first line's cursor pages further back.
   */
  @Test
  void historyBeforePrintsTheNewestEventsOldestFirstAcrossPagesAndItsFirstCursorPagesBack(Vertx vertx) throws Exception {
    await(node.close());
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("auth", new JsonObject().put("anonymous", true))
        .put("history", new JsonObject().put("maxPageBytes", 1024)))));
    url = "http://127.0.0.1:" + node.httpPort();
    FeedbusClient client = FeedbusClient.create(vertx);
    for (int i = 0; i < 6; i++) {
      await(client.publish("back", new JsonObject().put("n", i).put("pad", "x".repeat(600))));
    }
    Run newest = run("history", "--url", url, "back", "--before", "end", "--limit", "4");
    assertThat(newest.code()).as(newest.err()).isZero();
    assertThat(newest.jsonLines().stream().map(e -> e.getJsonObject("payload").getInteger("n"))).containsExactly(2, 3, 4, 5);
    Run older = run("history", "--url", url, "back", "--before", newest.jsonLines().get(0).getString("cursor"));
    assertThat(older.code()).as(older.err()).isZero();
    assertThat(older.jsonLines().stream().map(e -> e.getJsonObject("payload").getInteger("n"))).containsExactly(0, 1);
  }

  @Test
  void historyBeforeWithABadCursorFailsWithExitOne() {
    Run bad = run("history", "--url", url, "t", "--before", "not-a-cursor");
    assertThat(bad.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(bad.err()).contains("invalid_cursor");
  }

  @Test
  void historyBeforeWithAfterIsAUsageError() {
    Run both = run("history", "--url", url, "t", "--before", "end", "--after", "1795387492658-000000-708fb6f0");
    assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err()).contains("mutually exclusive");
  }

  @Test
  void tailReplaysAfterACursorThenFollowsLiveEvents(Vertx vertx) throws Exception {
    FeedbusClient client = FeedbusClient.create(vertx);
    String first = await(client.publish("live", "a")).cursor();
    await(client.publish("live", "b"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> tail = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out, true),
        new PrintWriter(err, true), "tail", "--url", url, "live", "--after", first, "--count", "3"));
    // The replayed event printed means the stream is open and live: the next two arrive live.
    long deadline = System.currentTimeMillis() + 30_000;
    while (!out.toString().contains("\"b\"") && System.currentTimeMillis() < deadline && !tail.isDone()) {
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
    }
    assertThat(out.toString()).as(err.toString()).contains("\"b\"");
    await(client.publish("live", "c"));
    await(client.publish("live", "d"));
    Run r = new Run(tail.get(30, TimeUnit.SECONDS), out.toString(), err.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.jsonLines().stream().map(e -> e.getValue("payload"))).containsExactly("b", "c", "d");
  }

  /**
   * The node the tail reads from shuts down; the same store comes back as another node, second on
   * the tail's --url list: the tail resumes there after the last cursor it printed, nothing twice.
   */
  @Test
  void tailResumesOnTheNextNodeOfItsUrlListAfterTheLastCursorItPrinted(Vertx vertx) throws Exception {
    int spare;
    try (ServerSocket s = new ServerSocket(0)) {
      spare = s.getLocalPort();
    }
    FeedbusClient client = FeedbusClient.create(vertx);
    for (int i = 0; i < 3; i++) {
      await(client.publish("failover", i));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> tail = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out, true),
        new PrintWriter(err, true), "tail", "--url", url + ",http://127.0.0.1:" + spare, "failover",
        "--since", "2020-01-01T00:00:00Z", "--count", "6"));
    long deadline = System.currentTimeMillis() + 30_000;
    while (!out.toString().contains("\"payload\":2") && System.currentTimeMillis() < deadline && !tail.isDone()) {
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
    }
    assertThat(out.toString()).as(err.toString()).contains("\"payload\":2");
    await(node.close());
    node = await(Feedbus.start(vertx, TestNodes.options(dir, new JsonObject().put("http", new JsonObject().put("port", spare)))));
    FeedbusClient again = FeedbusClient.create(vertx);
    for (int i = 3; i < 6; i++) {
      await(again.publish("failover", i));
    }
    Run r = new Run(tail.get(30, TimeUnit.SECONDS), out.toString(), err.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.jsonLines().stream().map(e -> e.getValue("payload"))).containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void tailWithEveryNodeOfItsUrlListUnreachableFailsWithExitFour() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Run r = run("tail", "--url", "http://127.0.0.1:" + dead + ",http://127.0.0.1:" + dead, "t", "--timeout", "1000");
    assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).contains("cannot reach");
  }

  @Test
  void tailSinceAnIsoTimeWithNoFollowPrintsWhatIsStoredAndStops(Vertx vertx) throws Exception {
    FeedbusClient client = FeedbusClient.create(vertx);
    await(client.publish("since", 1));
    await(client.publish("since", 2));
    Run r = run("tail", "--url", url, "since", "--since", "2020-01-01T00:00:00Z", "--no-follow");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.jsonLines()).hasSize(2);
    Run future = run("tail", "--url", url, "since", "--since", "4000000000000", "--no-follow");
    assertThat(future.code()).isZero();
    assertThat(future.out()).isEmpty();
  }

  @Test
  void connectionsFollowPrintsTheRegistrysChangesAsJsonLines(Vertx vertx) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> follow = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out, true),
        new PrintWriter(err, true), "connections", "--url", url, "--api-key", API_KEY, "--follow", "--uid", "followed", "--count", "3"));
    // The stream may not be open yet when a connection comes: connect and leave until two changes were printed.
    long deadline = System.currentTimeMillis() + 30_000;
    while (!follow.isDone() && System.currentTimeMillis() < deadline) {
      await(io.feedbus.presence.ConnectionHandle.register(vertx, new JsonObject().put("uid", "ignored"), o -> { })).close();
      io.feedbus.presence.ConnectionHandle handle = await(io.feedbus.presence.ConnectionHandle.register(vertx,
          new JsonObject().put("uid", "followed"), o -> { }));
      await(handle.close());
      Thread.sleep(100);
    }
    Run r = new Run(follow.get(30, TimeUnit.SECONDS), out.toString(), err.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.jsonLines().stream().map(e -> e.getJsonObject("connection").getString("uid"))).containsOnly("followed");
    // The stream may have opened between a connect and its disconnect: from the first connect on, it is a pair.
    List<JsonObject> lines = r.jsonLines();
    int first = lines.get(0).getString("type").equals("connected") ? 0 : 1;
    assertThat(lines.get(first).getString("type")).isEqualTo("connected");
    assertThat(lines.get(first + 1).getString("type")).isEqualTo("disconnected");
    assertThat(lines.get(first + 1).getJsonObject("connection").getString("connectionId"))
        .isEqualTo(lines.get(first).getJsonObject("connection").getString("connectionId"));
  }

  @Test
  void tailWithABadCursorFailsWithExitOne() {
    Run r = run("tail", "--url", url, "t", "--after", "not-a-cursor");
    assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.err()).contains("invalid_cursor");
  }

  @Test
  void anUnreachableBrokerGivesExitFour() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r = run("history", "--url", "http://127.0.0.1:" + port, "x", "--timeout", "2000");
    assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).contains("cannot reach the broker");
  }

  @Test
  void admissionAcquiresAndReleasesAndConnectionsCountsPerServer() {
    Run acquire = run("admission", "--url", url, "--api-key", API_KEY, "cli-user", "--acquire");
    assertThat(acquire.code()).as(acquire.err()).isZero();
    assertThat(new io.vertx.core.json.JsonObject(acquire.out().trim()))
        .isEqualTo(new io.vertx.core.json.JsonObject("{\"result\":\"success\",\"uid\":\"cli-user\",\"canStream\":true,\"streamCount\":1}"));
    Run state = run("admission", "--url", url, "--api-key", API_KEY, "cli-user");
    assertThat(state.code()).isZero();
    assertThat(new io.vertx.core.json.JsonObject(state.out().trim()).getInteger("streamCount")).isEqualTo(1);
    Run release = run("admission", "--url", url, "--api-key", API_KEY, "cli-user", "--release");
    assertThat(new io.vertx.core.json.JsonObject(release.out().trim()))
        .isEqualTo(new io.vertx.core.json.JsonObject("{\"result\":\"success\",\"uid\":\"cli-user\",\"removedStream\":true,\"streamCount\":0}"));
    Run counts = run("connections", "--url", url, "--api-key", API_KEY, "--count-by-server");
    assertThat(counts.code()).as(counts.err()).isZero();
    assertThat(new io.vertx.core.json.JsonArray(counts.out().trim())).isNotNull();
    Run refused = run("admission", "--url", url, "--api-key", API_KEY, "bad uid!", "--acquire");
    assertThat(refused.code()).as(refused.out()).isNotZero();
    assertThat(refused.err()).isNotBlank();
  }

  @Test
  void managementCommandsWithoutTheApiKeyAreRefusedAndChangeNothing() throws Exception {
    Run acquire = run("admission", "--url", url, "cli-user", "--acquire");
    assertThat(acquire.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(acquire.err()).contains("broker answered 401 not_authenticated");
    Run wrongKey = run("connections", "--url", url, "--api-key", "not-the-key-0123456789abcdef0123456789", "--count-by-server");
    assertThat(wrongKey.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(wrongKey.err()).contains("broker answered 401 invalid_api_key");
    Run state = run("admission", "--url", url, "--api-key", API_KEY, "cli-user");
    assertThat(new io.vertx.core.json.JsonObject(state.out().trim()).getInteger("streamCount")).as("no slot was taken").isZero();
  }

  @Test
  void everyCommandHasHelpAndBadUsageExitsTwo() {
    for (String command : List.of("serve", "publish", "tail", "history", "connections", "admission",
        "ban", "priority", "cap", "drain", "bench")) {
      Run help = run(command, "--help");
      assertThat(help.code()).as(command).isZero();
      assertThat(help.out()).as(command).contains("Usage: feedbus " + command);
    }
    Run bad = run("publish", "--url", url);
    assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("Missing required parameter");
  }

  @Test
  void banRefusesTheUsersNewConnections(Vertx vertx) throws Exception {
    Run ban = run("ban", "--url", url, "--api-key", API_KEY, "mallory");
    assertThat(ban.code()).as(ban.err()).isZero();
    assertThat(new JsonObject(ban.out().trim()).getString("priority")).isEqualTo("BANNED");
    Throwable refused = vertx.eventBus().request(io.feedbus.presence.PresenceAddresses.UPSERT, new JsonObject().put("uid", "mallory"))
        .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(30, TimeUnit.SECONDS);
    assertThat(io.feedbus.event.FeedbusException.from(refused).code()).isEqualTo("banned");
  }

  @Test
  void prioritySetsTheUsersPriority() throws Exception {
    Run set = run("priority", "--url", url, "--api-key", API_KEY, "alice", "HIGH");
    assertThat(set.code()).as(set.err()).isZero();
    Run state = run("admission", "--url", url, "--api-key", API_KEY, "alice");
    assertThat(new JsonObject(state.out().trim()).getString("priority")).isEqualTo("HIGH");
  }

  @Test
  void priorityRefusesAnUnknownPriorityWithUsage() {
    Run bad = run("priority", "--url", url, "--api-key", API_KEY, "alice", "URGENT");
    assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("URGENT");
  }

  @Test
  void capSetsTheNodesConnectionCap() {
    Run cap = run("cap", "--url", url, "--api-key", API_KEY, "5", "--server-id", node.nodeId());
    assertThat(cap.code()).as(cap.err()).isZero();
    assertThat(new JsonObject(cap.out().trim()).getInteger("cap")).isEqualTo(5);
  }

  @Test
  void drainStopsAcceptingAndResumeAcceptsAgain() {
    Run drain = run("drain", "--url", url, "--api-key", API_KEY);
    assertThat(drain.code()).as(drain.err()).isZero();
    assertThat(new JsonObject(drain.out().trim()).getBoolean("accepting")).isFalse();
    Run resume = run("drain", "--url", url, "--api-key", API_KEY, "--resume");
    assertThat(new JsonObject(resume.out().trim()).getBoolean("accepting")).isTrue();
  }
}
