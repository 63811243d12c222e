package io.feedbus.cli;

import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.parsetools.RecordParser;
import java.util.function.BiConsumer;

/** Reads a {@code text/event-stream} response: each event as its type ({@code message} when none) and data. */
final class ServerSentEvents {

  private ServerSentEvents() {
  }

  static void read(HttpClientResponse response, BiConsumer<String, String> onEvent) {
    String[] type = {"message"};
    StringBuilder data = new StringBuilder();
    response.handler(RecordParser.newDelimited("\n", buffer -> {
      String line = buffer.toString();
      if (line.isEmpty()) {
        if (data.length() > 0) {
          onEvent.accept(type[0], data.toString());
        }
        type[0] = "message";
        data.setLength(0);
      } else if (line.startsWith("event:")) {
        type[0] = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).trim());
      }
    }));
  }
}
