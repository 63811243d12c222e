package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.presence.ConnectionRecord;
import io.feedbus.store.ConnectionFilter;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every close the connection registry orders ends an SSE stream with {@code event: closing} and the
 * registry's reason, and the stream shows in the registry as transport {@code sse}.
 */
@ExtendWith(VertxExtension.class)
class StreamRegistryCloseTest {

  @TempDir
  Path dir;
  Feedbus node;
  HttpClient client;
  WebClient web;

  private void start(Vertx vertx, JsonObject presence) throws Exception {
    node = await(Feedbus.start(vertx, TestNodes.options(dir, TestNodes.openManagement().put("presence", presence))));
    client = vertx.createHttpClient();
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      client.close();
      web.close();
      await(node.close());
    }
  }

  /** An open stream's SSE blocks, as they arrive. */
  private List<String> openStream(Vertx vertx) throws Exception {
    List<String> blocks = new CopyOnWriteArrayList<>();
    Promise<Void> opened = Promise.promise();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.httpPort())
            .setURI("/topics/t/stream"))
        .compose(request -> request.send())
        .onSuccess(response -> {
          response.handler(RecordParser.newDelimited("\n\n", block -> blocks.add(block.toString())));
          opened.complete();
        })
        .onFailure(opened::fail);
    await(opened.future());
    Waits.poll(vertx, () -> sseConnections().size() == 1);
    return blocks;
  }

  private List<ConnectionRecord> sseConnections() {
    try {
      return await(node.connectionStore().list(new ConnectionFilter(null, null, "sse", 0), 10));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String closingCode(List<String> blocks) {
    return blocks.stream().filter(b -> b.startsWith("event: closing"))
        .map(b -> new JsonObject(b.substring(b.indexOf("data: ") + 6)).getString("code")).findFirst().orElse(null);
  }

  private void assertClosedWith(Vertx vertx, List<String> blocks, String code) throws Exception {
    await(Waits.until(vertx, () -> closingCode(blocks) != null));
    assertThat(closingCode(blocks)).isEqualTo(code);
    Waits.poll(vertx, () -> sseConnections().isEmpty());
  }

  @Test
  void aDrainThatClosesExistingConnectionsEndsTheStreamWithDraining(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    List<String> blocks = openStream(vertx);
    assertThat(sseConnections().get(0).transport()).isEqualTo("sse");
    await(web.put(node.httpPort(), "127.0.0.1", "/connections/accepting")
        .sendJsonObject(new JsonObject().put("accepting", false).put("closeExisting", true)));
    assertClosedWith(vertx, blocks, "draining");
  }

  @Test
  void aBanEndsTheStreamWithBanned(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    List<String> blocks = openStream(vertx);
    await(web.put(node.httpPort(), "127.0.0.1", "/connections/priorities/anonymous")
        .sendJsonObject(new JsonObject().put("priority", "BANNED")));
    assertClosedWith(vertx, blocks, "banned");
  }

  @Test
  void anEndedLifetimeEndsTheStreamWithLifetimeExpired(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("connectionLifetimeMillis", 300).put("sweepIntervalMillis", 50));
    List<String> blocks = openStream(vertx);
    assertClosedWith(vertx, blocks, "lifetime_expired");
  }

  @Test
  void aRecordThatExpiredMeanwhileEndsTheStreamWithExpired(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("heartbeatIntervalMillis", 50));
    List<String> blocks = openStream(vertx);
    // As after a store outage: the record is gone, so the stream's next heartbeat is refused.
    await(node.connectionStore().remove(sseConnections().get(0).connectionId()));
    assertClosedWith(vertx, blocks, "expired");
  }

}
