package io.feedbus.cli;

import io.feedbus.event.Cursor;
import io.feedbus.event.Topic;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code feedbus tail <topic>}: prints a topic's events as JSON lines, first the stored ones after
 * {@code --after} / {@code --since}, then live ones as they come, until Ctrl-C or {@code --count}.
 * When the node shuts down, drains or dies, the tail resumes on the next node of {@code --url}
 * after the last cursor it printed.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Print a topic's events as JSON lines: replay after a cursor or time, then follow live.",
        "Example: feedbus tail orders --since 2026-11-22T10:00:00Z | jq .payload"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (--count reached, or --no-follow and history read)", "1:refused (bad topic, cursor or time)",
        "2:usage", "4:no node of --url reachable for --timeout, or the broker closed the stream for good (too slow, banned)"})
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
    HttpClient client = vertx.createHttpClient();
    Promise<Integer> done = Promise.promise();
    new Follower(vertx, client, after, since, printed, done).connect(urls.indexOf(base), 0);
    return done.future().eventually(client::close);
  }

  /**
   * One tail that outlives the streams it reads: when a stream ends (the node shut down, drained or
   * died) it connects to the next node of {@code --url} (or the same one again) and resumes after the
   * last printed cursor, so every event is printed once, in order. While no node can be reached it
   * tries round after round with a growing pause, and gives up when none could be for {@code --timeout},
   * or when the broker closes the stream for a reason a retry cannot fix.
   */
  private final class Follower {
    private final Vertx vertx;
    private final HttpClient client;
    private final Long since;
    private final AtomicLong printed;
    private final Promise<Integer> done;
    private String lastCursor;
    /** When the nodes stopped answering; 0 while one does. */
    private long unreachableSince;

    Follower(Vertx vertx, HttpClient client, String after, Long since, AtomicLong printed, Promise<Integer> done) {
      this.vertx = vertx;
      this.client = client;
      this.lastCursor = after;
      this.since = since;
      this.printed = printed;
      this.done = done;
    }

    /** Opens the stream on node {@code index}, moving on to the next while nodes cannot be reached. */
    void connect(int index, int failedInARow) {
      if (count != null && count <= 0) {
        done.tryComplete(ExitCodes.OK);
        return;
      }
      java.net.URI node = urls.get(Math.floorMod(index, urls.size()));
      String query = lastCursor != null ? "?after=" + lastCursor : since != null ? "?since=" + since : "";
      client.request(eventStream(node, "/topics/" + topic + "/stream" + query))
          .compose(req -> req.send())
          .onSuccess(response -> {
            unreachableSince = 0;
            if (response.statusCode() == 200) {
              follow(response, index);
            } else {
              response.body().onComplete(b -> done.tryFail(errorOf(response.statusCode(), b.result())));
            }
          })
          .onFailure(unreachable -> {
            long now = System.currentTimeMillis();
            if (unreachableSince == 0) {
              unreachableSince = now;
            }
            if (failedInARow + 1 < urls.size()) {
              connect(index + 1, failedInARow + 1);
            } else if (now - unreachableSince >= timeoutMillis) {
              done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "cannot reach the broker at " + url
                  + " for " + timeoutMillis + " ms: " + unreachable));
            } else {
              long pause = Math.min(2_000, 100 + (now - unreachableSince) / 4);
              vertx.setTimer(pause, t -> connect(index + 1, 0));
            }
          });
    }

    /** Reads server-sent events until the count is reached or the stream ends. */
    private void follow(HttpClientResponse response, int index) {
      boolean[] ended = {false};
      Runnable resume = () -> {
        if (!ended[0] && !done.future().isComplete()) {
          ended[0] = true;
          response.request().connection().close();
          // The node that ended the stream is tried last: it is most likely the one going away.
          connect(index + 1, 0);
        }
      };
      ServerSentEvents.read(response, (type, data) -> dispatch(type, data, response, resume));
      response.exceptionHandler(e -> resume.run());
      response.endHandler(v -> resume.run());
    }

    private void dispatch(String type, String data, HttpClientResponse response, Runnable resume) {
      if (done.future().isComplete()) {
        return;
      }
      if ("event".equals(type)) {
        String cursor = new JsonObject(data).getString("cursor");
        if (lastCursor != null && cursor.compareTo(lastCursor) <= 0) {
          return; // already printed before a resume
        }
        print(data);
        lastCursor = cursor;
        if (count != null && printed.incrementAndGet() >= count) {
          done.tryComplete(ExitCodes.OK);
          response.request().connection().close();
        }
      } else if ("closing".equals(type)) {
        JsonObject closing = new JsonObject(data);
        if (io.feedbus.client.Subscription.RESUMABLE.contains(closing.getString("code"))) {
          resume.run();
        } else {
          done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the broker closed the stream: "
              + closing.getString("code") + ": " + closing.getString("reason")));
        }
      }
    }
  }
}
