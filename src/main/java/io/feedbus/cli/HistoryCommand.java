package io.feedbus.cli;

import io.feedbus.event.Cursor;
import io.feedbus.event.Topic;
import io.feedbus.feed.HistoryRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code feedbus history <topic>}: prints stored events as JSON lines, oldest first: from the start,
 * after a cursor or from a time on, or the newest ones before a cursor or the end ({@code --before}).
 */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = {"Print a topic's stored events as JSON lines, oldest first.",
        "Example: feedbus history orders --since 1795387492000 --limit 50",
        "         feedbus history orders --before end --limit 20   (the newest 20)"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "1:refused (bad topic, cursor or time)", "2:usage", "4:broker unreachable or store unavailable"})
final class HistoryCommand extends BrokerCommand {

  @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic name.")
  String topic;

  @ArgGroup(exclusive = true)
  Start start;

  static final class Start {
    @Option(names = "--after", paramLabel = "CURSOR", description = "Only events after this cursor.")
    String after;

    @Option(names = "--since", paramLabel = "TIME", description = "Only events at or after this time: epoch ms or ISO-8601.")
    String since;

    @Option(names = "--before", paramLabel = "CURSOR|end",
        description = "The newest events before this cursor, or of the topic with 'end', still printed oldest first "
            + "(held until the oldest is read). The first line's cursor pages further back.")
    String before;
  }

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N events. Default: ${DEFAULT-VALUE}")
  long limit;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    Topic.validate(topic);
    String after = start == null ? null : start.after;
    if (after != null) {
      Cursor.parse(after);
    }
    Long since = start == null || start.since == null ? null : parseTime(start.since);
    String before = start == null ? null : start.before;
    if (before != null && !HistoryRequest.END.equals(before)) {
      Cursor.parse(before);
    }
    if (limit < 1) {
      throw new BrokerError(ExitCodes.REFUSED, "--limit must be at least 1");
    }
    if (before != null) {
      return olderPages(http, this, topic, before, (int) Math.min(limit, 1000), new ArrayDeque<>(), 0, limit);
    }
    return pages(http, this, topic, after, since, (int) Math.min(limit, 1000), new AtomicLong(), limit);
  }

  /** Prints pages of history (following {@code next}) until exhausted or {@code max} events printed. */
  static Future<Integer> pages(WebClient http, BrokerCommand command, String topic, String after, Long since,
                               int pageSize, AtomicLong printed, Long max) {
    HttpRequest<io.vertx.core.buffer.Buffer> request = command.authorized(http.get("/topics/" + topic + "/events")).timeout(command.timeoutMillis)
        .addQueryParam("limit", String.valueOf(max == null ? pageSize : Math.min(pageSize, max - printed.get())));
    if (after != null) {
      request.addQueryParam("after", after);
    } else if (since != null) {
      request.addQueryParam("since", String.valueOf(since));
    }
    return request.send().compose(command::body).compose(body -> {
      JsonObject page = body.toJsonObject();
      JsonArray events = page.getJsonArray("events");
      for (Object event : events) {
        command.print(((JsonObject) event).encode());
        printed.incrementAndGet();
      }
      String next = page.getString("next");
      if (next == null || (max != null && printed.get() >= max)) {
        return Future.succeededFuture(ExitCodes.OK);
      }
      return pages(http, command, topic, next, null, pageSize, printed, max);
    });
  }

  /**
   * Reads pages back from {@code before} (following {@code older}; {@code held}: events read so far)
   * until {@code max} events or the first one, then prints them oldest first: the newest page comes
   * first, so nothing can be printed before the oldest page is in.
   */
  private static Future<Integer> olderPages(WebClient http, BrokerCommand command, String topic, String before, int pageSize,
                                            Deque<JsonArray> read, long held, long max) {
    return command.authorized(http.get("/topics/" + topic + "/events")).timeout(command.timeoutMillis)
        .addQueryParam("before", before)
        .addQueryParam("limit", String.valueOf(Math.min(pageSize, max - held)))
        .send().compose(command::body).compose(body -> {
          JsonObject page = body.toJsonObject();
          JsonArray events = page.getJsonArray("events");
          read.addFirst(events);
          String older = page.getString("older");
          if (older != null && held + events.size() < max) {
            return olderPages(http, command, topic, older, pageSize, read, held + events.size(), max);
          }
          for (JsonArray oldestFirst : read) {
            for (Object event : oldestFirst) {
              command.print(((JsonObject) event).encode());
            }
          }
          return Future.succeededFuture(ExitCodes.OK);
        });
  }
}
