package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.store.StoreStatus;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.testing.SwitchableStatusEventLog;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health} and {@code /ready}: readiness follows the store's notices, liveness does not. */
@ExtendWith(VertxExtension.class)
class ReadinessTest {

  @TempDir
  Path dir;
  Feedbus node;
  SwitchableStatusEventLog log;
  WebClient http;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    log = new SwitchableStatusEventLog(await(EmbeddedEventLog.open(vertx, dir, true, "node-1")));
    node = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement()), log));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    await(node.close());
  }

  /** Polls {@code path} every 20 ms until it answers {@code status} (or fails after 10 s). */
  private Future<HttpResponse<Buffer>> pollUntil(Vertx vertx, String path, int status) {
    Promise<HttpResponse<Buffer>> result = Promise.promise();
    long deadline = System.currentTimeMillis() + 10_000;
    poll(vertx, path, status, deadline, result);
    return result.future();
  }

  private void poll(Vertx vertx, String path, int status, long deadline, Promise<HttpResponse<Buffer>> result) {
    http.get(path).send().onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == status) {
        result.complete(ar.result());
      } else if (System.currentTimeMillis() > deadline) {
        result.fail("no " + status + " from " + path + "; last: " + (ar.succeeded() ? ar.result().statusCode() + " " + ar.result().bodyAsString() : ar.cause()));
      } else {
        vertx.setTimer(20, id -> poll(vertx, path, status, deadline, result));
      }
    });
  }

  @Test
  void readyAnswers200WithEveryCheckUpOnceTheStoreIsConnected(Vertx vertx) throws Exception {
    HttpResponse<Buffer> ready = await(pollUntil(vertx, "/ready", 200));
    assertThat(ready.bodyAsJsonObject().getString("outcome")).isEqualTo("UP");
    assertThat(ready.bodyAsString()).contains("\"store\"", "\"schema\"", "\"accepting\"");
  }

  @Test
  void readinessFlipsWhenTheStoreGoesAwayAndBack(Vertx vertx) throws Exception {
    await(pollUntil(vertx, "/ready", 200));
    log.emit(StoreStatus.State.DISCONNECTED);
    HttpResponse<Buffer> down = await(pollUntil(vertx, "/ready", 503));
    assertThat(down.bodyAsJsonObject().getString("outcome")).isEqualTo("DOWN");
    assertThat(down.bodyAsString()).contains("disconnected");
    log.emit(StoreStatus.State.RECONNECTED);
    await(pollUntil(vertx, "/ready", 200));
    String metrics = await(http.get("/metrics").send()).bodyAsString();
    assertThat(metrics).containsPattern("feedbus_store_reconnects_total\\{node=\"" + node.nodeId() + "\"} 1\\.0");
    assertThat(metrics).containsPattern("feedbus_store_disconnects_total\\{node=\"" + node.nodeId() + "\"} 1\\.0");
  }

  @Test
  void healthStaysUpWhileTheStoreIsAway(Vertx vertx) throws Exception {
    log.emit(StoreStatus.State.DISCONNECTED);
    await(pollUntil(vertx, "/ready", 503));
    HttpResponse<Buffer> health = await(http.get("/health").send());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("outcome")).isEqualTo("UP");
  }

  @Test
  void anEngineErrorMakesTheNodeNotReady(Vertx vertx) throws Exception {
    await(pollUntil(vertx, "/ready", 200));
    log.emit(StoreStatus.State.ERROR);
    await(pollUntil(vertx, "/ready", 503));
  }

  @Test
  void readyAnswers503WhileTheNodeDrainsAnd200OnceItAcceptsAgain(Vertx vertx) throws Exception {
    await(pollUntil(vertx, "/ready", 200));
    await(http.put("/connections/accepting").sendJsonObject(new io.vertx.core.json.JsonObject().put("accepting", false)));
    HttpResponse<Buffer> draining = await(http.get("/ready").send());
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.bodyAsString()).contains("\"draining\":true");
    await(http.put("/connections/accepting").sendJsonObject(new io.vertx.core.json.JsonObject().put("accepting", true)));
    assertThat(await(http.get("/ready").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void headOnHealthAnswers200WithoutABody() throws Exception {
    HttpResponse<Buffer> head = await(http.head("/health").send());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isNull();
  }
}
