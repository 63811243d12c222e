package io.feedbus.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JsonTextTest {

  @Test
  void writesTheTextVertxsDefaultCodecWrites() {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("list", List.of(1, "two", Map.of("three", 3.0)));
    Object[] values = {
        new JsonObject().put("n", 1).put("l", Long.MIN_VALUE).put("d", -1.25e-9).put("f", 1.5f).put("b", false).putNull("z")
            .put("s", "quote\" back\\ slash/ \u0000 \u001f \u007f \u00e9 \u2028 \ud83d\ude00").put("nested", new JsonArray().add(new JsonObject())),
        new JsonArray().add(new BigDecimal("12345678901234567890.5")).add(new BigInteger("123456789012345678901234567890")).add((short) 7).add((byte) 8),
        new JsonObject().put("at", Instant.parse("2026-12-06T07:00:00.123Z")).put("bytes", new byte[] {0, 1, (byte) 255}).put("buffer", Buffer.buffer("buf")),
        new JsonObject(raw), raw, Map.of("header", "value"), "text", 42, 2.5, true, null, new JsonObject(), new JsonArray()};
    for (Object value : values) {
      assertThat(JsonText.encode(value)).as("%s", value).isEqualTo(Json.encode(value));
    }
  }

  /** A value only Jackson's databind can write. */
  public record Point(int x, int y) {
  }

  @Test
  void aValueTheStreamingWriterCannotWriteIsWrittenAsVertxWritesIt() {
    Point point = new Point(1, 2);
    assertThat(JsonText.encode(point)).isEqualTo(Json.encode(point)).isEqualTo("{\"x\":1,\"y\":2}");
  }

  @Test
  void topicNamesAreWhatTheDocumentedPatternAllows() {
    Pattern documented = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,127}");
    StringBuilder every = new StringBuilder();
    for (char c = 0; c < 0x300; c++) {
      every.append(c);
    }
    for (int i = 0; i < every.length(); i++) {
      for (String name : List.of(String.valueOf(every.charAt(i)), "a" + every.charAt(i), every.charAt(i) + "a", "x1" + every.charAt(i) + "y")) {
        assertThat(Topic.valid(name)).as("'%s' (U+%04X)", name, (int) every.charAt(i)).isEqualTo(documented.matcher(name).matches());
      }
    }
    for (String name : List.of("", "a".repeat(128), "a".repeat(129), "orders.eu-1:x_y", "-lead", "_lead", "9lives")) {
      assertThat(Topic.valid(name)).as("'%s'", name).isEqualTo(documented.matcher(name).matches());
    }
  }
}
