package io.feedbus.store.embedded;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.Event;
import io.feedbus.testing.BrokerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An acknowledged publish survives {@code kill -9} of the broker in the middle of traffic. */
@ExtendWith(VertxExtension.class)
class KillDurabilityTest {

  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedEventIsStoredAfterKillDashNine(Vertx vertx) throws Exception {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicBoolean killed = new AtomicBoolean();
    try (BrokerProcess broker = BrokerProcess.start(dir)) {
      WebClient http = WebClient.create(vertx);
      List<Future<Void>> publishers = new ArrayList<>();
      for (int p = 0; p < 16; p++) {
        publishers.add(publishUntilRefused(http, broker.port(), p, 0, acked, killed));
      }
      // Kill while publishers are mid-flight, once a good number of acks are in.
      while (acked.size() < 1500) {
        Thread.sleep(5);
      }
      killed.set(true);
      broker.kill();
      await(Future.join(publishers).otherwiseEmpty());
      http.close();
    }
    EmbeddedEventLog log = await(EmbeddedEventLog.open(vertx, dir, true, "node-1"));
    try {
      Set<String> stored = new java.util.HashSet<>();
      for (int p = 0; p < 16; p++) {
        stored.addAll(await(log.readAfter("kill-" + p, null, 100_000)).stream().map(Event::id).collect(Collectors.toList()));
      }
      assertThat(acked).hasSizeGreaterThanOrEqualTo(1500);
      assertThat(stored).containsAll(acked);
    } finally {
      await(log.close());
    }
  }

  private Future<Void> publishUntilRefused(WebClient http, int port, int publisher, int n, Set<String> acked, AtomicBoolean killed) {
    if (n > 100_000) {
      return Future.succeededFuture();
    }
    return http.post(port, "127.0.0.1", "/topics/kill-" + publisher + "/events")
        .sendBuffer(Buffer.buffer(new JsonObject().put("payload", n).encode()))
        .compose(response -> {
          if (response.statusCode() == 201) {
            acked.add(response.bodyAsJsonObject().getString("id"));
            return publishUntilRefused(http, port, publisher, n + 1, acked, killed);
          }
          return Future.failedFuture("status " + response.statusCode());
        });
  }
}
