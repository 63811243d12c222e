package io.feedbus.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The {@link BridgeTestServer}'s bare page in headless Chromium, driven through its {@code window.harness}. */
final class BarePage {

  private final HeadlessChromium chromium;
  private final String origin;

  /** The page at {@code origin}: the bridge test server's, or a proxy's in front of it. */
  BarePage(HeadlessChromium chromium, String origin) {
    this.chromium = chromium;
    this.origin = origin;
  }

  /** Loads the page and connects a {@code Feedbus} with these options (persistCursors is always off). */
  void open(Map<String, Object> options) {
    chromium.driver.get(origin + BridgeTestServer.BARE_PAGE);
    chromium.driver.executeScript("harness.connect(arguments[0]);", options);
    waitUntil(() -> transport() != null);
  }

  /**
   * Loads a page of a broker's own origin (it serves {@code feedbus.js} and {@code vendor/}), adds the
   * client scripts and the harness to it, and connects a {@code Feedbus} with these options: a
   * broker process (or a load balancer in front of brokers) has no bare page of its own.
   */
  void openOnBroker(Map<String, Object> options) {
    chromium.driver.get(origin + "/health");
    Object loaded = callAsync("var sources = ['vendor/sockjs.min.js', 'vendor/vertx-eventbus.js', 'feedbus.js'];"
        + "(function next(i) {"
        + "  if (i === sources.length) { done(true); return; }"
        + "  var script = document.createElement('script');"
        + "  script.src = '/' + sources[i];"
        + "  script.onload = function () { next(i + 1); };"
        + "  script.onerror = function () { done('cannot load ' + sources[i]); };"
        + "  document.head.appendChild(script);"
        + "})(0);");
    if (!Boolean.TRUE.equals(loaded)) {
      throw new AssertionError(String.valueOf(loaded));
    }
    chromium.driver.executeScript(BridgeTestServer.HARNESS);
    chromium.driver.executeScript("harness.connect(arguments[0]);", options);
    waitUntil(() -> transport() != null);
  }

  /** The SockJS transport of the open connection, or null while it is not open. */
  String transport() {
    return (String) chromium.driver.executeScript("return harness.transport();");
  }

  void subscribe(String topic, String from) {
    chromium.driver.executeScript("harness.subscribe(arguments[0], arguments[1]);", topic, from);
  }

  boolean live(String topic) {
    return Boolean.TRUE.equals(chromium.driver.executeScript("return harness.live(arguments[0]);", topic));
  }

  /** The ids the subscription to topic delivered, in delivery order. */
  @SuppressWarnings("unchecked")
  List<String> events(String topic) {
    return (List<String>) chromium.driver.executeScript("return harness.events[arguments[0]] || [];", topic);
  }

  /** How many events the subscription to topic delivered. */
  int delivered(String topic) {
    return ((Number) chromium.driver.executeScript("return (harness.events[arguments[0]] || []).length;", topic)).intValue();
  }

  /** The id the subscription to topic delivered last, or null. */
  String lastDelivered(String topic) {
    return (String) chromium.driver.executeScript("var events = harness.events[arguments[0]] || []; return events[events.length - 1] || null;", topic);
  }

  @SuppressWarnings("unchecked")
  List<String> errors() {
    return (List<String>) chromium.driver.executeScript("return harness.errors;");
  }

  /** The bodies of the bridge's drop notices, in arrival order. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> notices() {
    return (List<Map<String, Object>>) chromium.driver.executeScript("return harness.notices;");
  }

  /** Runs a script with {@code done} as its callback and returns what it passed to it. */
  Object callAsync(String script, Object... args) {
    return chromium.driver.executeAsyncScript("var done = arguments[arguments.length - 1];" + script, args);
  }

  void waitUntil(BooleanSupplier condition) {
    waitUntil(condition, Duration.ofSeconds(15));
  }

  void waitUntil(BooleanSupplier condition, Duration atMost) {
    try {
      new WebDriverWait(chromium.driver, atMost).until(d -> condition.getAsBoolean());
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the page did not get there; transport " + transport() + ", errors " + errors()
          + ", delivered " + chromium.driver.executeScript(
              "var counts = {}; Object.keys(harness.events).forEach(function (t) { counts[t] = harness.events[t].length; }); return counts;")
          + ", notices " + notices().size(), e);
    }
  }
}
