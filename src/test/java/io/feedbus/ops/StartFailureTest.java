package io.feedbus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.cli.ExitCodes;
import io.feedbus.testing.BrokerProcess;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code feedbus serve} processes that cannot start: each exits by itself with its documented code
 * and one line that names the cause (no stack trace). The 60 s bound only guards against a hang.
 */
class StartFailureTest {

  private static final long HANG_GUARD_SECONDS = 60;

  @TempDir
  Path dir;

  @Test
  void aNodeOnAPortAnotherProcessHoldsExitsWithInUseNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      BrokerProcess.Exit exit = BrokerProcess.serveUntilExit(Map.of(), HANG_GUARD_SECONDS,
          "--port", Integer.toString(port), "--data-dir", dir.resolve("data").toString());

      assertThat(exit.code()).isEqualTo(ExitCodes.IN_USE);
      assertThat(causeLines(exit)).singleElement().asString()
          .contains("http.port = " + port).contains("127.0.0.1:" + port + " is in use");
      assertNoStackTrace(exit);
    }
  }

  @Test
  void aSecondNodeOnTheDataDirectoryOfARunningNodeExitsWithInUseNamingTheDirectory() throws Exception {
    Path data = dir.resolve("data");
    try (BrokerProcess running = BrokerProcess.start(data)) {
      BrokerProcess.Exit exit = BrokerProcess.serveUntilExit(Map.of(), HANG_GUARD_SECONDS,
          "--port", "0", "--data-dir", data.toString());

      assertThat(exit.code()).isEqualTo(ExitCodes.IN_USE);
      assertThat(causeLines(exit)).singleElement().asString()
          .contains("store.embedded.dataDir = '" + data + "'").contains("another process holds its lock");
      assertNoStackTrace(exit);
    }
  }

  @Test
  void aNodeWhoseRethinkDbCannotBeReachedExitsUnavailableAfterItsRetries() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    BrokerProcess.Exit exit = BrokerProcess.serveUntilExit(
        Map.of("FEEDBUS_STORE", "rethinkdb", "RETHINKDB_HOST", "127.0.0.1", "RETHINKDB_PORT", Integer.toString(closedPort)),
        HANG_GUARD_SECONDS, "--port", "0", "--data-dir", dir.resolve("data").toString(),
        "--set", "store.rethinkdb.connectTimeoutMillis=500");

    assertThat(exit.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(causeLines(exit)).singleElement().asString()
        .contains("store_unavailable").contains("127.0.0.1:" + closedPort).containsPattern("\\d+ attempts in \\d+ s");
    assertNoStackTrace(exit);
  }

  @Test
  void invalidConfigExitsWithEveryInvalidFieldNamedOnOneLine() throws Exception {
    BrokerProcess.Exit exit = BrokerProcess.serveUntilExit(Map.of("FEEDBUS_STORE", "mongo"), HANG_GUARD_SECONDS,
        "--port", "70000", "--data-dir", dir.resolve("data").toString(),
        "--set", "publish.maxPayloadBytes=0", "--set", "history.maxLimit=many", "--set", "http.nope=1");

    assertThat(exit.code()).isEqualTo(ExitCodes.CONFIG);
    assertThat(causeLines(exit)).singleElement().asString()
        .contains("http.port = 70000").contains("publish.maxPayloadBytes = 0").contains("history.maxLimit = 'many'")
        .contains("store.type = 'mongo'").contains("unknown field 'http.nope'");
    assertNoStackTrace(exit);
  }

  private static List<String> causeLines(BrokerProcess.Exit exit) {
    return exit.output().stream().filter(line -> line.startsWith("feedbus serve: ")).collect(Collectors.toList());
  }

  private static void assertNoStackTrace(BrokerProcess.Exit exit) {
    assertThat(exit.output()).as("output").noneMatch(line -> line.startsWith("\tat ") || line.contains(" ERROR "));
  }
}
