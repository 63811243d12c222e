package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.event.Event;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.testing.BrokerProcess;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Shutdown: SIGTERM drains publishes and exits 0; open streams are told why they end. */
@ExtendWith(VertxExtension.class)
class GracefulShutdownTest {

  @TempDir
  Path dir;

  @Test
  void sigtermDuringPublishingLosesNoAcknowledgedEventAndExitsZero(Vertx vertx) throws Exception {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    int exitCode;
    List<Future<Void>> publishers = new ArrayList<>();
    try (BrokerProcess broker = BrokerProcess.start(dir)) {
      WebClient http = WebClient.create(vertx);
      CountDownLatch enough = new CountDownLatch(500);
      for (int p = 0; p < 16; p++) {
        publishers.add(publishUntilRefused(http, broker.port(), p, 0, acked, enough));
      }
      // SIGTERM while every publisher has a request in flight.
      assertThat(enough.await(60, TimeUnit.SECONDS)).isTrue();
      exitCode = broker.terminate();
      await(Future.join(publishers).otherwiseEmpty());
      http.close();
    }
    assertThat(exitCode).isZero();
    EmbeddedEventLog log = await(EmbeddedEventLog.open(vertx, dir, true, "node-1"));
    try {
      Set<String> stored = new HashSet<>();
      for (int p = 0; p < 16; p++) {
        stored.addAll(await(log.readAfter("term-" + p, null, 1_000_000)).stream().map(Event::id).collect(Collectors.toList()));
      }
      assertThat(acked).hasSizeGreaterThanOrEqualTo(500);
      assertThat(stored).containsAll(acked);
    } finally {
      await(log.close());
    }
  }

  private Future<Void> publishUntilRefused(WebClient http, int port, int publisher, int n, Set<String> acked, CountDownLatch enough) {
    return http.post(port, "127.0.0.1", "/topics/term-" + publisher + "/events")
        .sendBuffer(Buffer.buffer(new JsonObject().put("payload", n).encode()))
        .compose(response -> {
          if (response.statusCode() == 201) {
            acked.add(response.bodyAsJsonObject().getString("id"));
            enough.countDown();
            return publishUntilRefused(http, port, publisher, n + 1, acked, enough);
          }
          return Future.failedFuture("status " + response.statusCode());
        });
  }

  @Test
  void shutdownEndsOpenStreamsWithAReason(Vertx vertx) throws Exception {
    Feedbus node = TestNodes.start(vertx, dir);
    HttpClient client = vertx.createHttpClient();
    Promise<String> body = Promise.promise();
    Promise<Void> open = Promise.promise();
    try {
      client.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/topics/news/stream")
          .compose(req -> req.send())
          .onSuccess(response -> {
            Buffer all = Buffer.buffer();
            response.handler(b -> {
              all.appendBuffer(b);
              open.tryComplete();
            });
            response.endHandler(v -> body.complete(all.toString()));
          })
          .onFailure(body::fail);
      await(open.future());
      await(node.close());
      String stream = await(body.future());
      assertThat(stream).contains("event: closing\ndata: {\"code\":\"shutting_down\"");
    } finally {
      client.close();
      await(node.close());
    }
  }

  @Test
  void publishesRacingAShutdownAreEitherStoredOrRefusedWith503(Vertx vertx) throws Exception {
    Feedbus node = TestNodes.start(vertx, dir);
    io.feedbus.client.FeedbusClient client = io.feedbus.client.FeedbusClient.create(vertx);
    List<Future<io.feedbus.event.Ack>> accepted = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      accepted.add(client.publish("drain", i));
    }
    Future<Void> closed = node.close();
    await(Future.join(accepted).otherwiseEmpty());
    await(closed);
    Set<String> acked = accepted.stream().filter(Future::succeeded).map(f -> f.result().id()).collect(Collectors.toSet());
    for (Future<io.feedbus.event.Ack> f : accepted) {
      assertThat(f.isComplete()).isTrue();
      if (f.failed()) {
        assertThat(io.feedbus.event.FeedbusException.from(f.cause()).status()).as(f.cause().toString()).isEqualTo(503);
      }
    }
    EmbeddedEventLog log = await(EmbeddedEventLog.open(vertx, dir, true, "node-1"));
    try {
      Set<String> stored = await(log.readAfter("drain", null, 1000)).stream().map(Event::id).collect(Collectors.toSet());
      assertThat(acked).isNotEmpty();
      assertThat(stored).containsAll(acked);
    } finally {
      await(log.close());
    }
  }
}
