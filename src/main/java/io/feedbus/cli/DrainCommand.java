package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code feedbus drain}: a node stops taking new connections (and /ready turns 503), or takes them again. */
@Command(name = "drain", mixinStandardHelpOptions = true,
    description = {"Stop accepting new connections (503 draining; /ready answers 503 so load balancers move on),",
        "optionally closing the open ones; --resume accepts again. Stored by the broker.",
        "Example: feedbus drain --server-id node-1 --close-existing"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:refused", "2:usage", "4:broker unreachable or store unavailable"})
final class DrainCommand extends SettingCommand {

  @Option(names = "--close-existing", description = "Also close the node's open connections (reason draining).")
  boolean closeExisting;

  @Option(names = "--resume", description = "Accept new connections again.")
  boolean resume;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    return put(http, "/connections/accepting", new JsonObject().put("accepting", resume).put("closeExisting", closeExisting && !resume));
  }
}
