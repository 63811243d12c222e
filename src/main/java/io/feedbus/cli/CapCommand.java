package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code feedbus cap <n>}: the most connections a node holds (0: no limit). */
@Command(name = "cap", mixinStandardHelpOptions = true,
    description = {"Set the node connection cap (0: unlimited). Lowering it closes nothing; newcomers are refused",
        "(503 node_full) until the node is under it. Stored by the broker. Example: feedbus cap 500 --server-id node-1"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:set", "1:refused", "2:usage", "4:broker unreachable or store unavailable"})
final class CapCommand extends SettingCommand {

  @Parameters(index = "0", paramLabel = "CONNECTIONS", description = "The cap; 0 for unlimited.")
  int cap;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    return put(http, "/connections/cap", new JsonObject().put("cap", cap));
  }
}
