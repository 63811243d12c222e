package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Event;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.testing.BrokerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: the broker drains, exits 0, and every publish it acknowledged is stored. */
@ExtendWith(VertxExtension.class)
class ShutdownTest {

  @TempDir
  Path dir;

  @Test
  void sigtermDuringPublishingExitsZeroAndLosesNoAcknowledgedEvent(Vertx vertx) throws Exception {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    int exit;
    List<String> output;
    try (BrokerProcess broker = BrokerProcess.start(dir)) {
      WebClient http = WebClient.create(vertx);
      List<Future<Void>> publishers = new ArrayList<>();
      for (int p = 0; p < 16; p++) {
        publishers.add(publish(http, broker.port(), p, 0, acked));
      }
      while (acked.size() < 1000) {
        Thread.sleep(5);
      }
      exit = broker.terminate();
      output = broker.output();
      await(Future.join(publishers).otherwiseEmpty());
      http.close();
    }
    assertThat(exit).as(String.join("\n", output)).isZero();
    assertThat(output).anyMatch(line -> line.contains("shutdown requested"));
    assertThat(output).anyMatch(line -> line.contains("stopped"));
    EmbeddedEventLog log = await(EmbeddedEventLog.open(vertx, dir, true));
    try {
      Set<String> stored = new HashSet<>();
      for (int p = 0; p < 16; p++) {
        stored.addAll(await(log.readAfter("term-" + p, null, 100_000)).stream().map(Event::id).collect(Collectors.toList()));
      }
      assertThat(stored).containsAll(acked);
    } finally {
      await(log.close());
    }
  }

  @Test
  void jsonLogsAreOneJsonObjectPerLineWhenSwitchedOn() throws Exception {
    List<String> output;
    try (BrokerProcess broker = BrokerProcess.start(dir, Map.of("FEEDBUS_LOG_FORMAT", "json"))) {
      assertThat(broker.terminate()).isZero();
      output = broker.output();
    }
    List<JsonObject> logLines = output.stream().filter(l -> l.startsWith("{")).map(JsonObject::new).collect(Collectors.toList());
    assertThat(logLines).anyMatch(j -> String.valueOf(j.getValue("message")).contains("ready on http://"));
    assertThat(logLines).allMatch(j -> j.containsKey("level") && j.containsKey("loggerName"));
    assertThat(output.stream().filter(l -> !l.startsWith("{"))).allMatch(l -> l.startsWith("feedbus ") && l.contains("listening on"));
  }

  private Future<Void> publish(WebClient http, int port, int publisher, int n, Set<String> acked) {
    return http.post(port, "127.0.0.1", "/topics/term-" + publisher + "/events")
        .sendBuffer(Buffer.buffer(new JsonObject().put("payload", n).encode()))
        .compose(response -> {
          if (response.statusCode() != 201) {
            return Future.failedFuture("status " + response.statusCode());
          }
          acked.add(response.bodyAsJsonObject().getString("id"));
          return publish(http, port, publisher, n + 1, acked);
        });
  }
}
