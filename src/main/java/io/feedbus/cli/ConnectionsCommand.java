package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code feedbus connections}: the connection registry, listed or counted per server. */
@Command(name = "connections", mixinStandardHelpOptions = true,
    description = {"Show the connection registry: the open connections (filtered by server or uid), or counts per server.",
        "Example: feedbus connections --count-by-server"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "1:refused", "2:usage", "4:broker unreachable or store unavailable"})
final class ConnectionsCommand extends BrokerCommand {

  @Option(names = "--count-by-server", description = "Print [{serverId, count}] instead of the connections.")
  boolean countByServer;

  @Option(names = "--server-id", paramLabel = "ID", description = "Only connections of this node.")
  String serverId;

  @Option(names = "--uid", paramLabel = "UID", description = "Only connections of this user.")
  String uid;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
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
}
