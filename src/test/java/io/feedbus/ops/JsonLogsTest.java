package io.feedbus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code ops.logFormat = json} turns log lines into one JSON object per line. */
class JsonLogsTest {

  @Test
  void theJsonFormatWritesOneJsonObjectPerLine() {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Logs.useFormat(OpsOptions.LogFormat.json);
      LoggerFactory.getLogger("io.feedbus.test").info("node {} ready", "n1");
    } finally {
      Logs.useFormat(OpsOptions.LogFormat.text);
      System.setErr(original);
    }
    List<String> lines = Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
        .filter(l -> l.contains("io.feedbus.test")).collect(Collectors.toList());
    assertThat(lines).hasSize(1);
    JsonObject line = new JsonObject(lines.get(0));
    assertThat(line.getString("level")).isEqualTo("INFO");
    assertThat(line.getString("formattedMessage")).isEqualTo("node n1 ready");
  }
}
