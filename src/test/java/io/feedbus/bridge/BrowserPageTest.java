package io.feedbus.bridge;

import io.feedbus.auth.AuthOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.FeedbusOptions;
import io.feedbus.client.FeedbusClient;
import io.feedbus.event.Ack;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page and the bridge in a real headless Chromium: publish from the page, events from Java on
 * the page, refusals with reasons, replay after a reconnect, JWT rights. One browser for the class.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class BrowserPageTest {

  static final String SECRET = "feedbus-test-secret-0123456789abcdef";
  static final String ISSUER = "https://auth.test/";
  static final String AUDIENCE = "feedbus";

  static Vertx vertx;
  /** The node with anonymous access off runs on its own Vert.x: two nodes on one bus would share its addresses. */
  static Vertx closedVertx;
  static Feedbus open;
  static Feedbus closed;
  static HeadlessChromium chromium;
  static FeedbusClient client;
  static Path dataDir;

  /** Deleted by JUnit after the class, with the node's files. */
  @org.junit.jupiter.api.io.TempDir
  static Path tempDir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    dataDir = tempDir;
    open = await(Feedbus.start(vertx, options("open", true)));
    closedVertx = Vertx.vertx();
    closed = await(Feedbus.start(closedVertx, options("closed", false)));
    client = FeedbusClient.create(vertx, 10_000);
    chromium = HeadlessChromium.startOrSkip();
  }

  static FeedbusOptions options(String name, boolean anonymous) {
    FeedbusOptions options = FeedbusOptions.defaults();
    options.http().port = 0;
    options.store().embedded.dataDir = dataDir.resolve(name).toString();
    options.store().embedded.fsync = false;
    options.auth().anonymous = anonymous;
    // The open node is the development setup: the page's connection views need management open.
    options.auth().openManagement = anonymous;
    options.auth().anonymousRights = AuthOptions.Rights.of(List.of("public.*"), List.of("public.*"));
    options.auth().issuer = ISSUER;
    options.auth().audience = List.of(AUDIENCE);
    AuthOptions.Key key = new AuthOptions.Key();
    key.algorithm = "HS256";
    key.secret = SECRET;
    options.auth().keys = List.of(key);
    return options;
  }

  @AfterAll
  static void stop() throws Exception {
    HeadlessChromium.closeThen(chromium, () -> open == null ? null : open.close(), () -> closed == null ? null : closed.close(),
        vertx::close, closedVertx::close);
  }

  @Test
  void thePagePublishesThroughTheFormAndTheEventArrivesOnTheBus() throws Exception {
    Promise<JsonObject> received = Promise.promise();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer("feedbus.topic.public.form", m -> received.tryComplete(m.body()));
    await(consumer.completion());
    try {
      openPage(open, "public.form");
      chromium.driver.findElement(By.id("payload")).clear();
      chromium.driver.findElement(By.id("payload")).sendKeys("{\"from\": \"the page\", \"n\": 1}");
      chromium.driver.findElement(By.id("publish")).click();

      JsonObject event = await(received.future());
      assertThat(event.getValue("payload")).isEqualTo(new JsonObject().put("from", "the page").put("n", 1));
      waitUntil(() -> text("publish-result").startsWith("stored at " + event.getString("cursor")));
      waitUntil(() -> eventIdsOnPage().contains(event.getString("id")));
      chromium.screenshot("page-published");
    } finally {
      await(consumer.unregister());
    }
  }

  @Test
  void anEventPublishedFromJavaShowsOnThePage() throws Exception {
    openPage(open, "public.java");
    Ack ack = await(client.publish("public.java", new JsonObject().put("order", 42).put("state", "paid")));

    waitUntil(() -> eventIdsOnPage().contains(ack.id()));
    String shown = chromium.driver.findElement(By.cssSelector("#events li[data-id='" + ack.id() + "'] .payload")).getText();
    assertThat(new JsonObject(shown)).isEqualTo(new JsonObject().put("order", 42).put("state", "paid"));
    chromium.screenshot("page-live-event");
  }

  @Test
  void thePageShowsConnectionsComingAndGoingLive() throws Exception {
    openPage(open, "public.lifecycle");
    // The stream is live only: what happens before it is open is not shown.
    waitUntil(() -> Boolean.TRUE.equals(chromium.driver.executeScript(
        "return !!(window.feedbusPage.lifecycle && window.feedbusPage.lifecycle.readyState === EventSource.OPEN);")));
    io.feedbus.presence.ConnectionHandle handle = await(io.feedbus.presence.ConnectionHandle.register(open.vertx(),
        new JsonObject().put("uid", "lifecycle-user").put("transport", "test"), order -> { }));
    waitUntil(() -> text("lifecycle").contains("connected: lifecycle-user via test"));
    await(handle.close());
    waitUntil(() -> text("lifecycle").contains("disconnected: lifecycle-user via test"));
    chromium.screenshot("page-lifecycle");
  }

  @Test
  void anAddressThatIsNotOpenToBrowsersIsRefusedWithAReason() throws Exception {
    openPage(open, "public.refusals");
    String error = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "window.feedbusPage.bus.request('feedbus.internal', {}).then(function () { done('accepted'); }, function (e) { done(String(e)); });");
    assertThat(error).startsWith("forbidden: browsers may not send to 'feedbus.internal'");
  }

  @Test
  void aTopicOutsideTheAnonymousRightsIsRefusedWithAReason() throws Exception {
    openPage(open, "secret.plans");
    waitUntil(() -> text("topic-error").contains("forbidden: anonymous may not subscribe to topic 'secret.plans'"));
    String publishError = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "window.feedbusPage.bus.publish('secret.plans', 1).then(function () { done('accepted'); }, function (e) { done(e.code + ' ' + e.status); });");
    assertThat(publishError).isEqualTo("forbidden 403");
    chromium.screenshot("page-refused");
  }

  @Test
  void aReconnectWithTheLastCursorReplaysExactlyTheMissedEventsThenLiveOnes() throws Exception {
    String topic = "public.replay";
    openPage(open, topic);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      expected.add(await(client.publish(topic, new JsonObject().put("phase", "before").put("i", i))).id());
    }
    waitUntil(() -> eventIdsOnPage().containsAll(expected));
    String cursorBefore = (String) chromium.driver.executeScript("return window.feedbusPage.subscription.lastCursor;");
    assertThat(cursorBefore).isEqualTo(expected.get(2));

    chromium.driver.findElement(By.id("disconnect")).click();
    waitUntil(() -> text("status").startsWith("disconnected"));
    for (int i = 0; i < 20; i++) {
      expected.add(await(client.publish(topic, new JsonObject().put("phase", "missed").put("i", i))).id());
    }
    // Reconnect, and keep publishing while the page replays: these land during the replay or after it.
    chromium.driver.findElement(By.id("connect")).click();
    Future<Void> during = Future.succeededFuture();
    List<Future<Ack>> duringAcks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      Future<Ack> ack = during.compose(v -> client.publish(topic, new JsonObject().put("phase", "during").put("i", n)));
      duringAcks.add(ack);
      during = ack.mapEmpty();
    }
    await(during);
    duringAcks.forEach(a -> expected.add(a.result().id()));
    waitUntil(() -> eventIdsOnPage().size() >= expected.size());
    assertThat(eventIdsOnPage()).containsExactlyElementsOf(expected);

    Ack live = await(client.publish(topic, new JsonObject().put("phase", "live")));
    expected.add(live.id());
    waitUntil(() -> eventIdsOnPage().size() >= expected.size());
    assertThat(eventIdsOnPage()).as("no gap, no duplicate, in order").containsExactlyElementsOf(expected);
    chromium.screenshot("page-replayed");
  }

  @Test
  void aTokenWithOrdersRightsMaySubscribeToOrdersButNotToBilling() throws Exception {
    String token = token("alice", new JsonObject()
        .put("subscribe", new JsonArray().add("orders.*"))
        .put("publish", new JsonArray().add("orders.eu")));
    chromium.driver.get("http://127.0.0.1:" + open.httpPort() + "/");
    chromium.driver.executeScript("document.getElementById('token').value = arguments[0];"
        + "document.getElementById('topic').value = 'orders.eu';", token);
    chromium.driver.findElement(By.id("connect")).click();
    waitUntil(() -> text("whoami").equals("signed in as alice") && text("status").equals("connected"));
    waitUntil(() -> Boolean.TRUE.equals(chromium.driver.executeScript("return !!(window.feedbusPage.subscription && window.feedbusPage.subscription.live);")));

    Ack ack = await(client.publish("orders.eu", new JsonObject().put("order", 7)));
    waitUntil(() -> eventIdsOnPage().contains(ack.id()));

    String billing = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "window.feedbusPage.bus.subscribe('billing', null, function () { done('received'); }, function (e) { done(String(e)); });");
    assertThat(billing).isEqualTo("forbidden: alice may not subscribe to topic 'billing' (subscribe rights: [\"orders.*\"])");
    chromium.screenshot("page-jwt");
    chromium.driver.executeScript("document.getElementById('token').value = ''; localStorage.clear();");
  }

  @Test
  void withAnonymousAccessOffAnUnauthenticatedPublishIsRefused() throws Exception {
    chromium.driver.get("http://127.0.0.1:" + closed.httpPort() + "/");
    waitUntil(() -> text("status").equals("connected"));
    String error = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "window.feedbusPage.bus.publish('public.x', 1).then(function () { done('accepted'); }, function (e) { done(String(e)); });");
    assertThat(error).startsWith("not_authenticated: sign in first");
  }

  @Test
  void anInvalidTokenClosesTheConnectionWithTheReason() throws Exception {
    chromium.driver.get("http://127.0.0.1:" + closed.httpPort() + "/");
    chromium.driver.executeScript("document.getElementById('token').value = 'not.a.jwt';");
    chromium.driver.findElement(By.id("connect")).click();
    waitUntil(() -> text("status").startsWith("disconnected: invalid token"));
    chromium.driver.executeScript("document.getElementById('token').value = ''; localStorage.clear();");
  }

  @Test
  void thePageSendsItsTokenInACookieAndNeverInTheUrl() throws Exception {
    String token = token("carol", new JsonObject().put("subscribe", new JsonArray().add("orders.*")).put("publish", new JsonArray().add("orders.eu")));
    chromium.driver.get("http://127.0.0.1:" + closed.httpPort() + "/");
    chromium.driver.executeScript("document.getElementById('token').value = arguments[0];", token);
    chromium.driver.findElement(By.id("connect")).click();
    waitUntil(() -> text("status").equals("connected"));
    // Anonymous access is off on this node: the publish is accepted only if the bridge got the token.
    String answer = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "window.feedbusPage.bus.publish('orders.eu', 1).then(function () { done('accepted'); }, function (e) { done(String(e)); });");
    assertThat(answer).isEqualTo("accepted");
    assertThat((String) chromium.driver.executeScript("return window.feedbusPage.bus.eb.sockJSConn.url;")).doesNotContain(token);
    @SuppressWarnings("unchecked")
    List<String> requested = (List<String>) chromium.driver.executeScript(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });");
    assertThat(requested).anyMatch(url -> url.contains("/eventbus/")).noneMatch(url -> url.contains(token));
    signOut();
  }

  @Test
  void aTokenInTheCookieReachesTheBridgeOverAnHttpTransport() throws Exception {
    String token = token("dave", new JsonObject().put("publish", new JsonArray().add("orders.eu")));
    chromium.driver.get("http://127.0.0.1:" + closed.httpPort() + "/");
    String answer = (String) chromium.driver.executeAsyncScript(
        "var done = arguments[arguments.length - 1];"
            + "var bus = new Feedbus({ token: arguments[0], transports: ['xhr-polling'] });"
            + "bus.publish('orders.eu', 2).then(function () { done('accepted'); }, function (e) { done(String(e)); })"
            + "  .then(function () { bus.close(); });", token);
    assertThat(answer).isEqualTo("accepted");
    signOut();
  }

  /** Forgets the page's token: the field, localStorage and the cookie. */
  static void signOut() {
    chromium.driver.executeScript("document.getElementById('token').value = ''; localStorage.clear();"
        + "document.cookie = 'feedbus_token=; Path=/eventbus; Max-Age=0';");
  }

  // ------------------------------------------------------------------ helpers

  static String token(String subject, JsonObject rights) {
    JWTAuth issuer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    return issuer.generateToken(new JsonObject().put("sub", subject).put("feedbus", rights),
        new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setExpiresInMinutes(10));
  }

  static void openPage(Feedbus node, String topic) {
    chromium.driver.get("http://127.0.0.1:" + node.httpPort() + "/");
    chromium.driver.executeScript("localStorage.setItem('feedbus.token', '');"
        + "document.getElementById('token').value = '';"
        + "document.getElementById('topic').value = arguments[0];"
        + "window.feedbusPage.connect();", topic);
    waitUntil(() -> text("status").equals("connected"));
    waitUntil(() -> Boolean.TRUE.equals(chromium.driver.executeScript("return window.feedbusPage.settled();")));
  }

  @SuppressWarnings("unchecked")
  static List<String> eventIdsOnPage() {
    return (List<String>) chromium.driver.executeScript("return window.feedbusPage.events.map(function (e) { return e.id; });");
  }

  static String text(String id) {
    return chromium.driver.findElement(By.id(id)).getText();
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) {
    try {
      new WebDriverWait(chromium.driver, Duration.ofSeconds(15)).until(d -> condition.getAsBoolean());
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the page did not get there; status '" + text("status") + "', errors "
          + chromium.driver.executeScript("return window.feedbusPage.errors;")
          + ", events " + eventIdsOnPage(), e);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
