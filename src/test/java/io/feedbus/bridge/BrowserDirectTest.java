package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Targeted delivery to browsers in headless Chromium: two bridge connections that set different
 * {@code channel} fields on the bridge URL; a send to one channel reaches that browser only, on
 * {@code feedbus.direct}, and {@code delivered} counts it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserDirectTest {

  static Vertx vertx;
  static Feedbus node;
  static HeadlessChromium chromium;
  static WebClient http;

  /** Deleted by JUnit after the class, with the node's files. */
  @org.junit.jupiter.api.io.TempDir
  static Path tempDir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    node = await(Feedbus.start(vertx, TestNodes.options(tempDir, TestNodes.openManagement())));
    http = WebClient.create(vertx);
    chromium = HeadlessChromium.startOrSkip();
  }

  @AfterAll
  static void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    http.close();
    await(node.close());
    await(vertx.close());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aSendToOneChannelReachesOnlyTheBrowserOnThatChannel() throws Exception {
    BarePage page = new BarePage(chromium, "http://127.0.0.1:" + node.httpPort());
    page.openOnBroker(Map.of("fields", Map.of("channel", "#general")));
    // A second browser connection in the same page, on another channel.
    page.callAsync("window.other = []; var bus = new Feedbus({ persistCursors: false, fields: { channel: '#random' } });"
        + "bus.onDirect(function (p) { window.other.push(p); }); bus.ready().then(function () { done(true); });");
    page.waitUntil(() -> countOf("sockjs") == 2);

    JsonObject answer = await(http.post(node.httpPort(), "127.0.0.1", "/connections/send").sendJsonObject(new JsonObject()
        .put("select", new JsonObject().put("transport", "sockjs").put("fields", new JsonObject().put("channel", "#general")))
        .put("payload", new JsonObject().put("text", "hello #general")))).bodyAsJsonObject();
    assertThat(answer).isEqualTo(new JsonObject().put("matched", 1).put("delivered", 1));
    page.waitUntil(() -> !direct(page).isEmpty());
    assertThat(direct(page)).containsExactly(Map.of("text", "hello #general"));
    JsonObject toRandom = await(http.post(node.httpPort(), "127.0.0.1", "/connections/send").sendJsonObject(new JsonObject()
        .put("select", new JsonObject().put("fields", new JsonObject().put("channel", "#random")))
        .put("payload", "only #random"))).bodyAsJsonObject();
    assertThat(toRandom.getLong("delivered")).isEqualTo(1);
    page.waitUntil(() -> ((List<?>) page.callAsync("done(window.other);")).size() == 1);
    assertThat((List<Object>) page.callAsync("done(window.other);")).containsExactly("only #random");
    assertThat(direct(page)).hasSize(1);
  }

  private static long countOf(String transport) {
    try {
      return await(http.get(node.httpPort(), "127.0.0.1", "/connections").addQueryParam("transport", transport).send())
          .bodyAsJsonObject().getJsonArray("connections").size();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Object> direct(BarePage page) {
    return (List<Object>) page.callAsync("done(harness.direct);");
  }
}
