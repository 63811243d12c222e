package io.feedbus.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A feedbus broker in a child JVM ({@code feedbus serve}), for tests that must kill or signal the
 * process: it runs on this test's classpath, the embedded engine in {@code dataDir}, a random port.
 */
public final class BrokerProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  private final Process process;
  private final int port;
  private final List<String> output;

  private final Thread reader;

  private BrokerProcess(Process process, int port, List<String> output, Thread reader) {
    this.reader = reader;
    this.process = process;
    this.port = port;
    this.output = output;
  }

  /** Every line the broker printed so far (stdout and stderr). */
  public List<String> output() {
    synchronized (output) {
      return new ArrayList<>(output);
    }
  }

  /** Starts {@code feedbus serve} with extra arguments and waits until it listens. */
  public static BrokerProcess start(Path dataDir, String... extraArgs) throws Exception {
    return start(dataDir, java.util.Map.of(), extraArgs);
  }

  /** Like {@link #start(Path, String...)} with extra environment variables for the child. */
  public static BrokerProcess start(Path dataDir, java.util.Map<String, String> environment, String... extraArgs) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // Vert.x's file cache in the test's own directory: a broker killed with -9 cannot remove it from /tmp.
        "-Dvertx.cacheDirBase=" + dataDir.resolve("vertx-cache"),
        "-cp", System.getProperty("java.class.path"),
        "io.feedbus.cli.Main", "serve", "--port", "0", "--data-dir", dataDir.toString()));
    command.addAll(List.of(extraArgs));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("broker exited before listening:\n" + String.join("\n", lines)));
    }, "broker-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new BrokerProcess(process, port.get(60, TimeUnit.SECONDS), lines, reader);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** How a {@code feedbus serve} that was expected to fail ended: its exit code and every line it printed. */
  public record Exit(int code, List<String> output) {
  }

  /**
   * Runs {@code feedbus serve} with exactly these arguments, expecting it to exit by itself; a process
   * still running after {@code hangGuardSeconds} is killed and reported as a hang (no timing is asserted).
   */
  public static Exit serveUntilExit(java.util.Map<String, String> environment, long hangGuardSeconds, String... serveArgs) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.feedbus.cli.Main", "serve"));
    command.addAll(List.of(serveArgs));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        return in.lines().collect(java.util.stream.Collectors.toList());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    if (!process.waitFor(hangGuardSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("feedbus serve " + String.join(" ", serveArgs) + " still ran after " + hangGuardSeconds
          + " s (a hang); it printed:\n" + String.join("\n", lines.getNow(List.of())));
    }
    return new Exit(process.exitValue(), lines.get(10, TimeUnit.SECONDS));
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for the exit code. */
  public int terminate() throws InterruptedException {
    // Process.destroy() would also close our end of the child's output and lose its last lines.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("broker did not exit within 60 s of SIGTERM");
    }
    reader.join(10_000); // the last lines the broker printed
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
