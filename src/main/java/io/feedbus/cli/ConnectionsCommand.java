package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.atomic.AtomicLong;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code feedbus connections}: the connection registry, listed or counted per server. */
@Command(name = "connections", mixinStandardHelpOptions = true,
    description = {"Show the connection registry: the open connections (filtered by server or uid), or counts per server,",
        "or follow its changes live (connected, disconnected, expired, refused, closed) as JSON lines.",
        "Example: feedbus connections --count-by-server; feedbus connections --follow --uid alice"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "1:refused", "2:usage", "4:broker unreachable or store unavailable"})
final class ConnectionsCommand extends BrokerCommand {

  @Option(names = "--count-by-server", description = "Print [{serverId, count}] instead of the connections.")
  boolean countByServer;

  @Option(names = "--server-id", paramLabel = "ID", description = "Only connections of this node.")
  String serverId;

  @Option(names = "--uid", paramLabel = "UID", description = "Only connections of this user.")
  String uid;

  @Option(names = "--transport", paramLabel = "NAME", description = "With --follow: only connections of this transport (sockjs, sse, eventbus).")
  String transport;

  @Option(names = {"-f", "--follow"}, description = "Print the registry's changes as they happen, one JSON line each, until Ctrl-C or --count.")
  boolean follow;

  @Option(names = {"-n", "--count"}, paramLabel = "N", description = "With --follow: stop after N changes.")
  Long count;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    if (follow) {
      return follow(vertx);
    }
    HttpRequest<Buffer> request;
    if (countByServer) {
      request = http.get("/connections/count-by-server");
    } else {
      request = http.get("/connections");
      if (serverId != null) {
        request.addQueryParam("serverId", serverId);
      }
      if (uid != null) {
        request.addQueryParam("uid", uid);
      }
    }
    return authorized(request).timeout(timeoutMillis).send().compose(this::body).map(body -> {
      print(body.toString().trim());
      return ExitCodes.OK;
    });
  }

  private Future<Integer> follow(Vertx vertx) {
    StringBuilder query = new StringBuilder();
    for (String[] filter : new String[][] {{"uid", uid}, {"serverId", serverId}, {"transport", transport}}) {
      if (filter[1] != null) {
        query.append(query.length() == 0 ? '?' : '&').append(filter[0]).append('=')
            .append(java.net.URLEncoder.encode(filter[1], java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    HttpClient client = vertx.createHttpClient();
    RequestOptions request = eventStream(base, "/connections/events" + query);
    Promise<Integer> done = Promise.promise();
    AtomicLong printed = new AtomicLong();
    client.request(request).compose(HttpClientRequest::send).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      HttpClientResponse response = ar.result();
      if (response.statusCode() != 200) {
        response.body().onComplete(b -> done.tryFail(errorOf(response.statusCode(), b.result())));
        return;
      }
      if (count != null && count <= 0) {
        done.tryComplete(ExitCodes.OK);
        return;
      }
      ServerSentEvents.read(response, (type, data) -> {
        if ("closing".equals(type)) {
          done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the broker closed the stream: " + data));
        } else if (!done.future().isComplete()) {
          print(data);
          if (count != null && printed.incrementAndGet() >= count) {
            done.tryComplete(ExitCodes.OK);
            response.request().connection().close();
          }
        }
      });
      response.exceptionHandler(e -> done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the stream broke: " + e.getMessage())));
      response.endHandler(v -> done.tryFail(new BrokerError(ExitCodes.UNAVAILABLE, "the broker ended the stream")));
    });
    return done.future().eventually(client::close);
  }
}
