package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live page in a real headless Chromium on the development config (conf/feedbus.json: anonymous
 * access, management open on loopback): a topic's newest events and their count, "load older", the
 * seam to live, errors beside their fields, the admission view (the connection events view is in
 * {@link BrowserPageTest}), and no console error on the way. Screenshots of each state go to {@code target/screenshots/live-page-*.png}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class LivePageTest {

  static Vertx vertx;
  static Feedbus node;
  /** The same config with management closed, on a Vert.x of its own (two nodes on one bus would share addresses). */
  static Vertx closedVertx;
  static Feedbus closedNode;
  static FeedbusClient client;
  static WebClient http;
  static HeadlessChromium chromium;
  static LivePage page;

  /** Deleted by JUnit after the class, with the node's files. */
  @org.junit.jupiter.api.io.TempDir
  static Path tempDir;

  @BeforeAll
  static void start() throws Exception {
    Path dataDir = tempDir;
    vertx = Vertx.vertx();
    node = await(Feedbus.start(vertx, developmentOptions(dataDir.resolve("open"), true)));
    closedVertx = Vertx.vertx();
    closedNode = await(Feedbus.start(closedVertx, developmentOptions(dataDir.resolve("closed"), false)));
    client = FeedbusClient.create(vertx, 10_000);
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    chromium = HeadlessChromium.startOrSkip();
    page = new LivePage(chromium);
  }

  /** conf/feedbus.json, as {@code bin/feedbus serve} runs it, on a free port and a data directory of its own. */
  static FeedbusOptions developmentOptions(Path dataDir, boolean openManagement) throws Exception {
    JsonObject config = new JsonObject(Files.readString(Path.of("conf/feedbus.json")));
    config.getJsonObject("http").put("port", 0);
    config.getJsonObject("store").getJsonObject("embedded").put("dataDir", dataDir.toString()).put("fsync", false);
    config.getJsonObject("publish").put("maxPayloadBytes", 4096);
    config.getJsonObject("auth").put("openManagement", openManagement);
    return FeedbusOptions.fromJson(config);
  }

  @AfterAll
  static void stop() throws Exception {
    try (HeadlessChromium browser = chromium) {
      if (http != null) {
        http.close();
      }
    } finally {
      await(Future.join(closing(node), closing(closedNode))
          .eventually(() -> Future.join(vertx.close(), closedVertx == null ? Future.succeededFuture() : closedVertx.close())));
    }
  }

  private static Future<Void> closing(Feedbus started) {
    return started == null ? Future.succeededFuture() : started.close();
  }

  @Test
  void aTopicWithEventsOpensOnItsNewestEventsAndCountsThem() throws Exception {
    List<String> published = publish("page.newest", 45);
    page.open(node, "page.newest");

    page.assertShows(published.subList(25, 45), "20 events (older ones not loaded)");
    assertThat(page.text("cursor")).isEqualTo(published.get(44));
    assertThat(page.shown("load-older")).isTrue();
    page.snapshot("live-page-newest");
  }

  @Test
  void loadOlderBringsOlderEventsInOrderUntilTheFirst() throws Exception {
    List<String> published = publish("page.older", 45);
    page.open(node, "page.older");

    page.click("load-older");
    page.waitUntil(() -> page.eventIds().size() == 40);
    page.assertShows(published.subList(5, 45), "40 events (older ones not loaded)");
    page.snapshot("live-page-older");

    page.click("load-older");
    page.waitUntil(() -> page.eventIds().size() == 45);
    page.assertShows(published, "45 events");
    assertThat(page.shown("load-older")).as("nothing older is left").isFalse();
    page.snapshot("live-page-oldest");
  }

  @Test
  void anEventPublishedAfterTheNewestPageAppearsOnceOnTop() throws Exception {
    List<String> published = publish("page.live", 5);
    page.open(node, "page.live");
    Ack live = await(client.publish("page.live", new JsonObject().put("live", true)));

    page.waitUntil(() -> page.eventIds().contains(live.id()));
    published.add(live.id());
    page.assertShows(published, "6 events");
    page.snapshot("live-page-live-event");
  }

  @Test
  void eventsPublishedWhileThePageOpensShowOnceWithNoGapAtTheSeam() throws Exception {
    List<String> published = publish("page.seam", 30);
    // One publisher goes on while the page reads the newest page and subscribes after it.
    List<String> during = Collections.synchronizedList(new ArrayList<>());
    Future<Void> publishing = publishInTurn("page.seam", 40, during);
    page.open(node, "page.seam");
    await(publishing);
    published.addAll(during);

    String last = published.get(published.size() - 1);
    page.waitUntil(() -> page.eventIds().contains(last));
    List<String> shown = page.eventIds();
    assertThat(shown.size()).isGreaterThanOrEqualTo(20);
    assertThat(shown).as("the newest %d events, each once, in order", shown.size())
        .containsExactlyElementsOf(published.subList(published.size() - shown.size(), published.size()));
    page.snapshot("live-page-seam");
  }

  @Test
  void switchingToAnInvalidTopicClearsTheListAndCountAndShowsTheErrorBesideTheTopicField() throws Exception {
    publish("page.valid", 3);
    page.open(node, "page.valid");
    assertThat(page.text("event-count")).isEqualTo("3 events");

    page.watch("not a topic!");
    page.waitUntil(() -> page.shown("topic-error"));
    assertThat(page.text("topic-error")).startsWith("invalid_topic:");
    assertThat(page.fieldOf("topic-error")).isEqualTo("topic");
    assertThat(page.eventIds()).isEmpty();
    assertThat(page.listedIds()).isEmpty();
    assertThat(page.text("event-count")).isEqualTo("not watching");
    assertThat(page.text("cursor")).isEqualTo("none");
    page.snapshot("live-page-invalid-topic");

    page.watch("page.valid");
    page.waitUntil(page::settled);
    assertThat(page.shown("topic-error")).as("a valid topic clears the error").isFalse();
    assertThat(page.text("event-count")).isEqualTo("3 events");
    page.snapshot("live-page-topic-valid-again");
  }

  @Test
  void switchingTopicsShowsOnlyTheNewTopicsEvents() throws Exception {
    publish("page.first", 2);
    page.open(node, "page.first");
    List<String> second = publish("page.second", 1);
    page.watch("page.second");
    page.waitUntil(page::settled);

    await(client.publish("page.first", new JsonObject().put("to", "the topic left")));
    second.add(await(client.publish("page.second", new JsonObject().put("to", "the topic watched"))).id());
    page.waitUntil(() -> page.eventIds().contains(second.get(1)));
    assertThat(page.eventIds()).containsExactlyElementsOf(second);
    page.snapshot("live-page-switched-topic");
  }

  @Test
  void publishErrorsShowBesideThePayloadField() throws Exception {
    page.open(node, "page.publish");

    page.publish("{not json");
    page.waitUntil(() -> page.shown("payload-error"));
    assertThat(page.text("payload-error")).startsWith("not JSON:");
    assertThat(page.fieldOf("payload-error")).isEqualTo("payload");

    page.publish("\"" + "x".repeat(5000) + "\""); // over publish.maxPayloadBytes, 4096 here: the broker refuses it
    page.waitUntil(() -> page.text("payload-error").startsWith("payload_too_large:"));
    assertThat(page.shown("topic-error")).isFalse();
    page.snapshot("live-page-publish-error");

    page.publish("{\"fine\": true}");
    page.waitUntil(() -> page.text("publish-result").startsWith("stored at "));
    assertThat(page.shown("payload-error")).as("a stored event clears the error").isFalse();
    page.snapshot("live-page-published");
  }

  @Test
  void theAdmissionViewShowsTheNodeAndAUsersPriorityAndStreams() throws Exception {
    page.open(node, "page.admission");
    page.waitUntil(() -> page.text("node-admission").equals("node " + node.nodeId() + ": accepting new connections · cap none"));
    try {
      put("/connections/priorities/mallory", new JsonObject().put("priority", "BANNED"));
      put("/connections/cap", new JsonObject().put("cap", 500));
      page.checkAdmission("mallory");
      page.waitUntil(() -> page.text("admission").equals("mallory: banned") && page.text("node-admission").endsWith("cap 500 connections"));
      page.scrollTo("admission");
      page.snapshot("live-page-admission");
      page.checkAdmission("alice");
      page.waitUntil(() -> page.text("admission").equals("alice: may stream (0 of 3 streams) · priority MEDIUM"));
      assertThat(chromium.consoleErrors()).isEmpty();

      page.checkAdmission("not#a/uid");
      page.waitUntil(() -> page.shown("uid-error"));
      assertThat(page.text("uid-error")).startsWith("invalid_uid:");
      assertThat(page.fieldOf("uid-error")).isEqualTo("uid");
      // The page asks again every few seconds while the uid stays in the field: each ask is the same refusal.
      assertThat(chromium.consoleErrors()).as("only the refused request the test made").isNotEmpty()
          .allMatch(error -> error.contains("/admission/not%23a%2Fuid") && error.contains("400"));
    } finally {
      put("/connections/priorities/mallory", new JsonObject().put("priority", "MEDIUM"));
      put("/connections/cap", new JsonObject().put("cap", 0));
    }
  }

  @Test
  void thePageHasAFaviconSoBrowsersAskForNoMissingOne() throws Exception {
    page.open(node, "page.favicon");
    Object icon = chromium.driver.executeAsyncScript("var done = arguments[arguments.length - 1];"
        + "fetch(document.querySelector('link[rel=icon]').href).then(function (r) {"
        + "  done(r.status + ' ' + r.headers.get('content-type')); }, function (e) { done(String(e)); });");
    assertThat(String.valueOf(icon)).startsWith("200 image/svg+xml");
    assertThat(chromium.consoleErrors()).isEmpty();
  }

  @Test
  void withManagementClosedTheConnectionViewsSayWhatTheyNeedAndTheTimelineStillWorks() throws Exception {
    List<String> published = new ArrayList<>();
    published.add(await(FeedbusClient.create(closedVertx, 10_000).publish("page.closed", 1)).id());
    page.open(closedNode, "page.closed");

    page.waitUntil(() -> page.text("node-admission").startsWith("needs management access"));
    assertThat(page.text("node-admission")).contains("auth.openManagement", "not_authenticated");
    page.waitUntil(() -> page.text("connections").startsWith("needs management access")
        && page.text("lifecycle").startsWith("needs management access"));
    assertThat(page.eventIds()).containsExactlyElementsOf(published);
    page.scrollTo("lifecycle");
    chromium.screenshot("live-page-management-closed");
    // The refused management requests are the console's errors here (401s): nothing else.
    assertThat(chromium.consoleErrors()).allMatch(error -> error.contains("401"));
  }

  // ------------------------------------------------------------------ helpers

  /** Publishes count events on topic, one after another; returns their ids in cursor order. */
  static List<String> publish(String topic, int count) throws Exception {
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    await(publishInTurn(topic, count, ids));
    return new ArrayList<>(ids);
  }

  /** Publishes count events on topic, each after the previous one's ack, adding each id to ids. */
  static Future<Void> publishInTurn(String topic, int count, List<String> ids) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      int n = i;
      chain = chain.compose(v -> client.publish(topic, new JsonObject().put("n", n))).map(ack -> {
        ids.add(ack.id());
        return null;
      });
    }
    return chain;
  }

  static void put(String path, JsonObject body) throws Exception {
    int status = await(http.put(path).sendJsonObject(body)).statusCode();
    assertThat(status).as("PUT " + path).isEqualTo(200);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The live page at a node, driven through its fields and {@code window.feedbusPage}. */
  static final class LivePage {

    private final HeadlessChromium chromium;

    LivePage(HeadlessChromium chromium) {
      this.chromium = chromium;
    }

    /** Loads the page on a topic ({@code ?topic=}) and waits until it is live on it, or failed. */
    void open(Feedbus node, String topic) {
      chromium.driver.get("http://127.0.0.1:" + node.httpPort() + "/?topic=" + topic);
      waitUntil(() -> text("status").equals("connected"));
      waitUntil(this::settled);
    }

    /** Types a topic into its field and presses Watch. */
    void watch(String topic) {
      setValue("topic", topic);
      click("watch");
    }

    void publish(String payload) {
      setValue("payload", payload);
      click("publish");
    }

    void checkAdmission(String uid) {
      setValue("uid", uid);
      chromium.driver.executeScript("document.querySelector('#admission-form button').click();");
    }

    private void setValue(String id, String value) {
      chromium.driver.executeScript("document.getElementById(arguments[0]).value = arguments[1];", id, value);
    }

    /** Saves a screenshot (target/screenshots/NAME.png) and checks the console logged no error up to now. */
    void snapshot(String name) throws java.io.IOException {
      chromium.screenshot(name);
      assertThat(chromium.consoleErrors()).as("console errors").isEmpty();
    }

    void scrollTo(String id) {
      chromium.driver.executeScript("document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", id);
    }

    void click(String id) {
      chromium.driver.findElement(org.openqa.selenium.By.id(id)).click();
    }

    boolean settled() {
      return Boolean.TRUE.equals(chromium.driver.executeScript("return window.feedbusPage.settled();"));
    }

    /** The page holds exactly these events (in cursor order), lists them newest on top, and counts them so. */
    void assertShows(List<String> ids, String count) {
      assertThat(eventIds()).as("the events held, in cursor order").containsExactlyElementsOf(ids);
      List<String> newestFirst = new ArrayList<>(ids);
      Collections.reverse(newestFirst);
      assertThat(listedIds()).as("the list, newest on top").containsExactlyElementsOf(newestFirst);
      assertThat(text("event-count")).isEqualTo(count);
    }

    /** The ids the page shows, in cursor order (oldest first). */
    @SuppressWarnings("unchecked")
    List<String> eventIds() {
      return (List<String>) chromium.driver.executeScript("return window.feedbusPage.events.map(function (e) { return e.id; });");
    }

    /** The ids of the list's items, top to bottom. */
    @SuppressWarnings("unchecked")
    List<String> listedIds() {
      return (List<String>) chromium.driver.executeScript(
          "return Array.prototype.map.call(document.querySelectorAll('#events li'), function (li) { return li.dataset.id; });");
    }

    /** The field whose description an error element is, and which it follows in the page. */
    String fieldOf(String errorId) {
      return (String) chromium.driver.executeScript(
          "var error = document.getElementById(arguments[0]);"
              + "var field = document.querySelector('[aria-describedby=\"' + error.id + '\"]');"
              + "var before = error.previousElementSibling;"
              + "return field && field.getAttribute('aria-invalid') === 'true' && (before === field || before.contains(field)) ? field.id : null;",
          errorId);
    }

    boolean shown(String id) {
      return chromium.driver.findElement(org.openqa.selenium.By.id(id)).isDisplayed();
    }

    String text(String id) {
      return chromium.driver.findElement(org.openqa.selenium.By.id(id)).getText();
    }

    void waitUntil(java.util.function.BooleanSupplier condition) {
      try {
        new org.openqa.selenium.support.ui.WebDriverWait(chromium.driver, java.time.Duration.ofSeconds(20))
            .until(d -> condition.getAsBoolean());
      } catch (org.openqa.selenium.TimeoutException e) {
        throw new AssertionError("the page did not get there; status '" + text("status") + "', count '" + text("event-count")
            + "', errors " + chromium.driver.executeScript("return window.feedbusPage.errors;") + ", events " + eventIds(), e);
      }
    }
  }
}
