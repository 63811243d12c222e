package io.feedbus.cli;

import io.feedbus.event.Cursor;
import io.feedbus.event.Topic;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code feedbus tail <topic>}: prints a topic's events as JSON lines, first the stored ones after
 * {@code --after} / {@code --since}, then live ones as they come, until Ctrl-C or {@code --count}.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Print a topic's events as JSON lines: replay after a cursor or time, then follow live.",
        "Example: feedbus tail orders --since 2026-11-22T10:00:00Z | jq .payload"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (--count reached, or --no-follow and history read)", "1:refused (bad topic, cursor or time)",
        "2:usage", "4:broker unreachable, or it closed the stream (shutdown, too slow)"})
final class TailCommand extends BrokerCommand {

  @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic name.")
  String topic;

  @ArgGroup(exclusive = true)
  Start start;

  static final class Start {
    @Option(names = "--after", paramLabel = "CURSOR", description = "Replay the events after this cursor first.")
    String after;

    @Option(names = "--since", paramLabel = "TIME", description = "Replay the events at or after this time first: epoch ms or ISO-8601.")
    String since;
  }

  @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Stop after N events.")
  Long count;

  @Option(names = "--no-follow", description = "Print the stored events, then stop (do not wait for live ones).")
  boolean noFollow;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    Topic.validate(topic);
    String after = start == null ? null : start.after;
    Long since = start == null || start.since == null ? null : parseTime(start.since);
    if (after != null) {
      Cursor.parse(after);
    }
    AtomicLong printed = new AtomicLong();
    if (noFollow) {
      return HistoryCommand.pages(http, this, topic, after, since, 1000, printed, count);
    }
    StringBuilder query = new StringBuilder();
    if (after != null) {
      query.append("?after=").append(after);
    } else if (since != null) {
      query.append("?since=").append(since);
    }
    java.net.URI base = java.net.URI.create(url);
    HttpClient client = vertx.createHttpClient();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
        .setHost(base.getHost()).setPort(base.getPort() > 0 ? base.getPort() : 80).setSsl("https".equals(base.getScheme()))
        .setURI("/topics/" + topic + "/stream" + query).putHeader("accept", "text/event-stream")
        .setConnectTimeout(timeoutMillis);
    return client.request(request)
        .compose(req -> req.send())
        .compose(response -> response.statusCode() == 200
            ? follow(response, printed)
            : response.body().compose(b -> Future.failedFuture(errorOf(response.statusCode(), b))))
        .eventually(client::close);
  }

  /** Reads server-sent events until the count is reached or the broker ends the stream. */
  private Future<Integer> follow(HttpClientResponse response, AtomicLong printed) {
    Promise<Integer> done = Promise.promise();
    if (count != null && count <= 0) {
      return Future.succeededFuture(ExitCodes.OK);
    }
    String[] type = {"message"};
    StringBuilder data = new StringBuilder();
    RecordParser lines = RecordParser.newDelimited("\n", buffer -> {
      String line = buffer.toString();
      if (line.isEmpty()) {
        dispatch(type[0], data.toString(), printed, done, response);
        type[0] = "message";
        data.setLength(0);
      } else if (line.startsWith("event:")) {
        type[0] = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).trim());
      }
    });
    response.handler(lines);
    response.exceptionHandler(e -> done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the stream broke: " + e.getMessage())));
    response.endHandler(v -> done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the broker ended the stream")));
    return done.future();
  }

  private void dispatch(String type, String data, AtomicLong printed, Promise<Integer> done, HttpClientResponse response) {
    if (done.future().isComplete()) {
      return;
    }
    if ("event".equals(type)) {
      print(data);
      if (count != null && printed.incrementAndGet() >= count) {
        done.tryComplete(ExitCodes.OK);
        response.request().connection().close();
      }
    } else if ("closing".equals(type)) {
      JsonObject closing = new JsonObject(data);
      done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the broker closed the stream: "
          + closing.getString("code") + ": " + closing.getString("reason")));
    }
  }
}
