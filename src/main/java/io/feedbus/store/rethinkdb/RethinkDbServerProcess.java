package io.feedbus.store.rethinkdb;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@code rethinkdb} server started from a binary on this machine, on free loopback ports in a
 * directory of its own: what {@code feedbus bench} and the tests use when no server is given.
 *
 * <p>The server runs under a small shell watchdog that kills it when this JVM's end of the pipe
 * closes, so a JVM that dies (even with {@code kill -9}) leaves no server behind. {@link #stop()}
 * asks it to shut down cleanly; {@link #kill()} is {@code kill -9}, for outage tests;
 * {@link #restart()} starts it again on the same directory and ports.
 */
public final class RethinkDbServerProcess implements AutoCloseable {

  private static final long READY_TIMEOUT_MILLIS = 60_000;

  private final Path binary;
  private final int cacheMb;
  private final Path directory;
  private final int driverPort;
  private final int clusterPort;
  private final List<String> join;
  private final Deque<String> output = new ConcurrentLinkedDeque<>();
  private Process watchdog;
  private ProcessHandle server;

  /** The tests' cache: small, so several servers fit beside each other; their data is tiny. */
  static final int TEST_CACHE_MB = 256;

  private RethinkDbServerProcess(Path binary, Path directory, int driverPort, int clusterPort, List<String> join, int cacheMb) {
    this.cacheMb = cacheMb;
    this.binary = binary;
    this.directory = directory;
    this.driverPort = driverPort;
    this.clusterPort = clusterPort;
    this.join = join;
  }

  /** The binary to run: {@code RETHINKDB_BIN} when set, else {@code rethinkdb} on the {@code PATH}. */
  public static Optional<Path> findBinary() {
    String configured = System.getenv("RETHINKDB_BIN");
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }
    String pathVariable = System.getenv("PATH");
    if (pathVariable == null) {
      return Optional.empty();
    }
    for (String dir : pathVariable.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "rethinkdb");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Starts a server in a new temporary directory; {@code joinClusterPorts} are other servers' cluster ports to join. */
  public static RethinkDbServerProcess start(Path binary, int... joinClusterPorts) throws IOException {
    return start(binary, TEST_CACHE_MB, joinClusterPorts);
  }

  /**
   * A single server (as {@link #start(Path, int...)}) with a page cache of {@code cacheMb} MiB: the
   * bench gives its server one that holds its million events, as a server sized for its data has
   * (RethinkDB reads a row it does not cache from disk, one seek each, which is then all a replay measures).
   */
  public static RethinkDbServerProcess startWithCache(Path binary, int cacheMb) throws IOException {
    return start(binary, cacheMb, new int[0]);
  }

  private static RethinkDbServerProcess start(Path binary, int cacheMb, int[] joinClusterPorts) throws IOException {
    Path directory = Files.createTempDirectory("feedbus-rethinkdb");
    List<String> join = new ArrayList<>();
    for (int port : joinClusterPorts) {
      join.add("127.0.0.1:" + port);
    }
    RethinkDbServerProcess process = new RethinkDbServerProcess(binary, directory, freePort(), freePort(), join, cacheMb);
    process.launch();
    return process;
  }

  public String host() {
    return "127.0.0.1";
  }

  public int driverPort() {
    return driverPort;
  }

  public int clusterPort() {
    return clusterPort;
  }

  public boolean running() {
    return server != null && server.isAlive();
  }

  /** {@code kill -9}: the server stops at once, without flushing or saying goodbye. */
  public void kill() throws InterruptedException {
    if (server != null) {
      server.destroyForcibly();
      server.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
    }
    endWatchdog();
  }

  /** Starts the server again on the same directory and ports (after {@link #kill()} or {@link #stop()}). */
  public void restart() throws IOException {
    if (running()) {
      throw new IllegalStateException("the server is still running");
    }
    launch();
  }

  /** Asks the server to shut down (SIGTERM) and waits for it, killing it after 15 s. */
  public void stop() throws InterruptedException {
    if (server != null && server.isAlive()) {
      server.destroy();
      try {
        server.onExit().get(15, TimeUnit.SECONDS);
      } catch (Exception slow) {
        server.destroyForcibly();
      }
    }
    endWatchdog();
  }

  /** Stops the server and deletes its directory. */
  @Override
  public void close() throws InterruptedException {
    stop();
    deleteRecursively(directory.toFile());
  }

  /** The server's last lines of output, for failure messages. */
  public String recentOutput() {
    return String.join("\n", output);
  }

  private void launch() throws IOException {
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--bind", "127.0.0.1",
        "--driver-port", Integer.toString(driverPort),
        "--cluster-port", Integer.toString(clusterPort),
        "--no-http-admin",
        "--no-update-check",
        "--cache-size", Integer.toString(cacheMb),
        "--directory", directory.resolve("data").toString()));
    for (String peer : join) {
      command.add("--join");
      command.add(peer);
    }
    StringBuilder quoted = new StringBuilder();
    for (String part : command) {
      quoted.append('\'').append(part.replace("'", "'\\''")).append("' ");
    }
    // The watchdog: starts the server, says its pid, and kills it when our end of stdin closes.
    String script = "exec 3<&0\n"
        + quoted + "2>&1 &\n"
        + "pid=$!\n"
        + "echo \"pid $pid\"\n"
        + "( cat <&3 >/dev/null; kill -9 $pid 2>/dev/null ) &\n"
        + "wait $pid\n";
    watchdog = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
    CountDownLatch ready = new CountDownLatch(1);
    long[] pid = {-1};
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(watchdog.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("pid ") && pid[0] < 0) {
            pid[0] = Long.parseLong(line.substring(4).trim());
            continue;
          }
          output.addLast(line);
          while (output.size() > 50) {
            output.pollFirst();
          }
          if (line.contains("Server ready")) {
            ready.countDown();
          }
        }
      } catch (IOException ended) {
        // The watchdog ended; waiters time out or see the process gone.
      }
    }, "rethinkdb-output-" + driverPort);
    reader.setDaemon(true);
    reader.start();
    try {
      if (!ready.await(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        endWatchdog();
        throw new IOException("rethinkdb did not get ready within " + READY_TIMEOUT_MILLIS + " ms:\n" + recentOutput());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      endWatchdog();
      throw new IOException("interrupted while starting rethinkdb", e);
    }
    server = ProcessHandle.of(pid[0]).orElseThrow(() -> new IOException("rethinkdb exited at once:\n" + recentOutput()));
  }

  private void endWatchdog() {
    if (watchdog != null) {
      try {
        OutputStream in = watchdog.getOutputStream();
        in.close();
      } catch (IOException ignored) {
        // Already closed.
      }
      try {
        watchdog.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      watchdog.destroyForcibly();
      watchdog = null;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        deleteRecursively(child);
      }
    }
    file.delete();
  }
}
