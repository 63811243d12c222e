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
  /** The heap line of {@code jcmd GC.heap_info} (G1, parallel or serial): its first {@code used NK}. */
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final Process process;
  private final int port;
  private final List<String> output;
  private final Thread orphanGuard;

  private ChildBroker(Process process, int port, List<String> output) {
    this.process = process;
    this.port = port;
    this.output = output;
    // A bench stopped with Ctrl-C must not leave a broker with a gigabyte of heap behind.
    this.orphanGuard = new Thread(process::destroyForcibly, "bench-child-guard");
    Runtime.getRuntime().addShutdownHook(orphanGuard);
  }

  /**
   * Starts a node on a free loopback port with the embedded engine in {@code dataDir}; waits until it
   * listens. The node gets {@code jvmOptions}, then {@link #extraJvmOptions()}; {@code serveArgs},
   * then {@code FEEDBUS_BENCH_BROKER_ARGS} (space separated {@code serve} arguments, e.g.
   * {@code --set ops.vertxMetrics=false} to measure a setting).
   */
  public static ChildBroker start(Path dataDir, List<String> jvmOptions, String... serveArgs) throws Exception {
    List<String> options = new ArrayList<>(jvmOptions);
    options.addAll(extraJvmOptions());
    jvmOptions = options;
    List<String> args = new ArrayList<>(List.of("serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString()));
    args.addAll(List.of(serveArgs));
    args.addAll(words("FEEDBUS_BENCH_BROKER_ARGS"));
    return startMain("io.feedbus.cli.Main", jvmOptions, args);
  }

  /**
   * Starts another main class of the bench's class path in the same way, for a peer that stands in
   * for the broker (a baseline server): it must print {@code listening on http://<host>:<port>}.
   */
  public static ChildBroker startMain(String mainClass, List<String> jvmOptions, List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (lines) {
            if (lines.size() == 1000) {
              lines.remove(0); // the last lines tell why a run went wrong
            }
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
      synchronized (lines) {
        port.completeExceptionally(new IllegalStateException("the child process exited before listening:\n" + String.join("\n", lines)));
      }
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
   * JVM options for every broker process of the bench (not the baseline servers) from
   * {@code FEEDBUS_BENCH_BROKER_OPTS} (space separated), e.g. {@code -XX:StartFlightRecording=filename=broker.jfr}
   * to profile the broker under the bench's load.
   */
  public static List<String> extraJvmOptions() {
    return words("FEEDBUS_BENCH_BROKER_OPTS");
  }

  /** The space-separated words of environment variable {@code name} (none when it is unset or blank). */
  private static List<String> words(String name) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /**
   * The child's used heap in bytes as {@code jcmd GC.heap_info} reports it; after a full GC
   * ({@code GC.run}) first when {@code collectFirst}, which leaves what is live. -1 when jcmd cannot tell.
   */
  public long heapUsedBytes(boolean collectFirst) throws Exception {
    if (collectFirst) {
      jcmd("GC.run");
    }
    Matcher used = HEAP_USED.matcher(jcmd("GC.heap_info"));
    return used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
  }

  private String jcmd(String command) throws Exception {
    Path jdkJcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process jcmd = new ProcessBuilder(jdkJcmd.toFile().canExecute() ? jdkJcmd.toString() : "jcmd", Long.toString(pid()), command)
        .redirectErrorStream(true).start();
    String text = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor(60, TimeUnit.SECONDS);
    return text;
  }

  /** What the broker printed last (up to a thousand lines). */
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
    try {
      Runtime.getRuntime().removeShutdownHook(orphanGuard);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting: the guard runs anyway, on a process that is gone.
    }
  }
}
