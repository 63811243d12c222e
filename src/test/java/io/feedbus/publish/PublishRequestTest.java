package io.feedbus.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.feedbus.event.FeedbusException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PublishRequestTest {

  @Test
  void theLimitCountsUtf8BytesOfPayloadAndHeaders() {
    // One, two, three and four bytes per character (the emoji is a surrogate pair), and an unpaired surrogate.
    JsonObject payload = new JsonObject().put("text", "a\u00e9\u20ac\ud83d\ude00 \ud800x");
    JsonObject headers = new JsonObject().put("h", "\u00fc");
    int bytes = Json.encode(payload).getBytes(StandardCharsets.UTF_8).length
        + Json.encode(headers.getMap()).getBytes(StandardCharsets.UTF_8).length;
    JsonObject body = new JsonObject().put("topic", "t").put("payload", payload).put("headers", headers);

    PublishRequest accepted = PublishRequest.parse(body, bytes);
    assertThat(accepted.payloadJson()).isEqualTo(Json.encode(payload));
    assertThatThrownBy(() -> PublishRequest.parse(body, bytes - 1))
        .isInstanceOf(FeedbusException.class)
        .hasMessageContaining("are " + bytes + " bytes");
  }

  @Test
  void utf8LengthAgreesWithTheEncoder() {
    String[] samples = {"", "ascii", "\u00e9\u00e8", "\u20ac", "\ud83d\ude00", "\ud800", "x\udc00y", "\ud83d"};
    for (String s : samples) {
      assertThat(PublishRequest.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
  }
}
