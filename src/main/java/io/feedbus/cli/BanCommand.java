package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code feedbus ban <uid>}: refuses the user's new connections and closes their open ones. */
@Command(name = "ban", mixinStandardHelpOptions = true,
    description = {"Ban a user: their connections are closed and new ones refused (403 banned). Stored by the broker.",
        "Lift it with: feedbus priority <uid> MEDIUM. Example: feedbus ban mallory"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:banned", "1:refused", "2:usage", "4:broker unreachable or store unavailable"})
final class BanCommand extends SettingCommand {

  @Parameters(index = "0", paramLabel = "UID", description = "The user (account) id.")
  String uid;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    return put(http, "/connections/priorities/" + encoded(uid), new JsonObject().put("priority", "BANNED"));
  }
}
