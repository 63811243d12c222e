package io.feedbus.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code feedbus serve} as a child process of the bench (same JVM binary and class path), so the
 * broker has its own heap and threads like the peer it is compared with, and the clients' work is
 * not counted as the broker's.
 */
public final class ChildBroker implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  private final Process process;
  private final int port;
  private final List<String> output;

  private ChildBroker(Process process, int port, List<String> output) {
    this.process = process;
    this.port = port;
    this.output = output;
  }

  /** Starts a node on a free loopback port with the embedded engine in {@code dataDir}; waits until it listens. */
  public static ChildBroker start(Path dataDir, List<String> jvmOptions, String... serveArgs) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.feedbus.cli.Main", "serve",
        "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString()));
    command.addAll(List.of(serveArgs));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (lines.size() < 1000) {
            lines.add(line);
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("the broker exited before listening:\n" + String.join("\n", lines)));
    }, "bench-broker-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new ChildBroker(process, port.get(120, TimeUnit.SECONDS), lines);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /**
   * JVM options for the broker process from {@code FEEDBUS_BENCH_BROKER_OPTS} (space separated), e.g.
   * {@code -XX:StartFlightRecording=filename=broker.jfr} to profile the broker under the bench's load.
   */
  public static List<String> extraJvmOptions() {
    String options = System.getenv("FEEDBUS_BENCH_BROKER_OPTS");
    return options == null || options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** What the broker printed so far (the first thousand lines). */
  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** Stops the broker as an operator would (SIGTERM, graceful), forcibly after 30 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
