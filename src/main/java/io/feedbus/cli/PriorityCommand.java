package io.feedbus.cli;

import io.feedbus.presence.Priority;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code feedbus priority <uid> <priority>}: a user's priority from now on; BANNED bans them. */
@Command(name = "priority", mixinStandardHelpOptions = true,
    description = {"Set a user's priority (HIGH, MEDIUM, LOW, or BANNED, which also closes their connections).",
        "Stored by the broker: it outlives restarts. Example: feedbus priority alice HIGH"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:set", "1:refused", "2:usage", "4:broker unreachable or store unavailable"})
final class PriorityCommand extends SettingCommand {

  @Parameters(index = "0", paramLabel = "UID", description = "The user (account) id.")
  String uid;

  @Parameters(index = "1", paramLabel = "PRIORITY", description = "One of ${COMPLETION-CANDIDATES}.")
  Priority priority;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    return put(http, "/connections/priorities/" + encoded(uid), new JsonObject().put("priority", priority.name()));
  }
}
