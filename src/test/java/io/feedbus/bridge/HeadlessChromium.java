package io.feedbus.bridge;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Debian's headless Chromium driven through its chromedriver, both at fixed paths (installed by
 * bin/install-browser), so Selenium Manager never tries to download anything. Skips the test when
 * they are missing, unless CI is set: then a missing browser is a failure.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("FEEDBUS_CHROMIUM", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("FEEDBUS_CHROMEDRIVER", "/usr/bin/chromedriver"));

  final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;

  private HeadlessChromium(ChromeDriver driver, ChromeDriverService service, Path profile) {
    this.driver = driver;
    this.service = service;
    this.profile = profile;
  }

  static HeadlessChromium startOrSkip() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String reason = "headless Chromium not available (" + CHROMIUM + ", " + CHROMEDRIVER + "); bin/install-browser installs it";
      if (System.getenv("CI") != null) {
        Assertions.fail(reason);
      }
      Assumptions.abort(reason);
    }
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    Path profile = Files.createTempDirectory("feedbus-chromium");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogOutput(java.io.OutputStream.nullOutputStream())
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-extensions", "--disable-default-apps", "--window-size=1280,900", "--user-data-dir=" + profile);
    // Keep the page's console (and the network errors Chromium logs there) for consoleErrors().
    options.setCapability("goog:loggingPrefs", java.util.Map.of(LogType.BROWSER, "ALL"));
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return new HeadlessChromium(driver, service, profile);
  }

  /** Saves a PNG under target/screenshots/. */
  Path screenshot(String name) throws IOException {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".png");
    Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    return file;
  }

  /**
   * The console's errors since the last call (it drains them): {@code console.error}, uncaught
   * exceptions, and resources that failed to load, such as a missing favicon.
   */
  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /**
   * A test class's teardown: quits {@code chromium} (null when it never started), then closes what
   * each of {@code closers} returns, in order (a closer returns null for what never started); every
   * one runs whatever failed before it, and the first failure is thrown.
   */
  @SafeVarargs
  static void closeThen(HeadlessChromium chromium, java.util.function.Supplier<io.vertx.core.Future<?>>... closers) throws Exception {
    Exception first = null;
    try {
      if (chromium != null) {
        chromium.close();
      }
    } catch (Exception e) {
      first = e;
    }
    for (java.util.function.Supplier<io.vertx.core.Future<?>> closer : closers) {
      try {
        io.vertx.core.Future<?> closing = closer.get();
        if (closing != null) {
          io.feedbus.testing.TestNodes.await(closing);
        }
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile.toFile());
    }
  }

  private static void deleteTree(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        deleteTree(child);
      }
    }
    file.delete();
  }
}
