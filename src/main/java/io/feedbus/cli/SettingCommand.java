package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Option;

/**
 * A command that changes a connection-registry setting at run time ({@code PUT /connections/...}):
 * for one node with {@code --server-id}, else for every node. The broker stores the change, so it
 * outlives restarts; the answer (the node's settings) is printed.
 */
abstract class SettingCommand extends BrokerCommand {

  @Option(names = "--server-id", paramLabel = "ID", description = "Only this node (see feedbus connections --count-by-server). Default: every node.")
  String serverId;

  /** PUTs {@code body} (plus serverId when given) to {@code path} and prints the answer. */
  Future<Integer> put(WebClient http, String path, JsonObject body) {
    if (serverId != null) {
      body.put("serverId", serverId);
    }
    return authorized(http.put(path)).timeout(timeoutMillis).sendJsonObject(body).compose(this::body).map(answer -> {
      print(answer.toString().trim());
      return ExitCodes.OK;
    });
  }

  static String encoded(String pathSegment) {
    return java.net.URLEncoder.encode(pathSegment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }
}
