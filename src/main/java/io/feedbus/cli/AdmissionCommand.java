package io.feedbus.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code feedbus admission <uid>}: a user's stream count, or take / give back one of their slots. */
@Command(name = "admission", mixinStandardHelpOptions = true,
    description = {"Show a user's admission (stream count and limit), or --acquire / --release a stream slot.",
        "Example: feedbus admission alice --acquire"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (for --acquire: the user may stream)", "1:refused (for --acquire: canStream is false)",
        "2:usage", "4:broker unreachable or store unavailable"})
final class AdmissionCommand extends BrokerCommand {

  @Parameters(index = "0", paramLabel = "UID", description = "The user (account) id.")
  String uid;

  @ArgGroup(exclusive = true)
  Action action;

  static final class Action {
    @Option(names = "--acquire", description = "Take a stream slot (GET /canStream/{uid}).")
    boolean acquire;

    @Option(names = "--release", description = "Give a stream slot back (GET /endStream/{uid}).")
    boolean release;
  }

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    String path = action != null && action.acquire ? "/canStream/" : action != null && action.release ? "/endStream/" : "/admission/";
    return authorized(http.get(path + SettingCommand.encoded(uid)))
        .timeout(timeoutMillis).send().compose(this::body).map(body -> {
          String text = body.toString().trim();
          print(text);
          if (action != null && action.acquire && text.startsWith("{")
              && Boolean.FALSE.equals(new JsonObject(text).getValue("canStream"))) {
            return ExitCodes.REFUSED;
          }
          return ExitCodes.OK;
        });
  }
}
