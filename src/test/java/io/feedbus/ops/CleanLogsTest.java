package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.testing.BrokerProcess;
import io.feedbus.testing.SseClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What {@code feedbus serve} prints: a start without warnings, a shutdown with open streams without errors. */
@ExtendWith(VertxExtension.class)
class CleanLogsTest {

  @TempDir
  Path dir;

  @Test
  void aStartLogsNoWarningAndSaysWhereTheNodeListens() throws Exception {
    List<String> output;
    try (BrokerProcess broker = BrokerProcess.start(dir)) {
      output = broker.output();
      assertThat(broker.terminate()).isZero();
    }
    assertThat(output).anyMatch(line -> line.contains("ready on http://127.0.0.1:"));
    // The one warning on purpose: management left open, as the development default does.
    assertThat(output).filteredOn(line -> line.contains(" WARN ")).singleElement().asString().contains("auth.openManagement is on");
    assertThat(output).noneMatch(line -> unexpectedWarning(line) || line.contains(" ERROR "));
  }

  @Test
  void aShutdownWithOpenStreamsLogsNoErrorAndNoStackTrace(Vertx vertx) throws Exception {
    List<String> output;
    try (BrokerProcess broker = BrokerProcess.start(dir)) {
      List<SseClient> streams = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        streams.add(await(SseClient.open(vertx, broker.port(), "open-" + i, null)));
      }
      assertThat(broker.terminate()).isZero();
      for (SseClient stream : streams) {
        await(stream.ended());
      }
      output = broker.output();
    }
    assertThat(output).anyMatch(line -> line.contains("stopped"));
    assertThat(output).noneMatch(line -> unexpectedWarning(line) || line.contains(" ERROR ") || line.startsWith("\tat ")
        || line.contains("Exception"));
  }

  private static boolean unexpectedWarning(String line) {
    return line.contains(" WARN ") && !line.contains("auth.openManagement is on");
  }
}
