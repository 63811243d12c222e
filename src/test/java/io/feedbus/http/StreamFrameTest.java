package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.feedbus.testing.SseClient;
import io.feedbus.testing.TestNodes;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An event's SSE frame, byte for byte: live and replayed alike, with text that is not ASCII. */
@ExtendWith(VertxExtension.class)
class StreamFrameTest {

  @Test
  void anEventsFrameIsItsIdThenItsJsonInUtf8LiveAndReplayed(Vertx vertx, @TempDir Path dir) throws Exception {
    Feedbus node = TestNodes.start(vertx, dir);
    SseClient live = await(SseClient.open(vertx, node.httpPort(), "frames", null));
    SseClient replayed = null;
    try {
      FeedbusClient feedbus = FeedbusClient.create(vertx);
      JsonObject payload = new JsonObject().put("caf\u00e9", "\ud83d\ude00 \"quoted\" \u00fc\n").put("n", 1);
      String cursor = await(feedbus.publish("frames", payload)).cursor();
      await(Waits.until(vertx, () -> live.ids().size() >= 1));
      String prefix = "id: " + cursor + "\nevent: event\ndata: ";
      String block = live.blocks().stream().filter(b -> b.startsWith("id: ")).findFirst().orElseThrow();
      assertThat(block).startsWith(prefix);
      JsonObject event = new JsonObject(block.substring(prefix.length()));
      assertThat(event.getJsonObject("payload")).isEqualTo(payload);
      assertThat(event.getString("cursor")).isEqualTo(cursor);

      replayed = await(SseClient.open(vertx, node.httpPort(), "frames", "0000000000000-000000-00000000"));
      SseClient replay = replayed;
      await(Waits.until(vertx, () -> replay.ids().size() >= 1));
      assertThat(replay.blocks()).contains(block);
    } finally {
      await(live.close());
      if (replayed != null) {
        await(replayed.close());
      }
      await(node.close());
    }
  }
}
