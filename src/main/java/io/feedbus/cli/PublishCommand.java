package io.feedbus.cli;

import io.feedbus.event.FeedbusException;
import io.feedbus.event.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code feedbus publish <topic> <json>}: publishes one event and prints its ack once it is durable. */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = {"Publish one event; prints the ack {id, cursor, ts} once it is stored.",
        "Example: feedbus publish orders '{\"order\": 42}' --header source=cli"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:acknowledged", "1:refused (bad topic or payload)", "2:usage", "4:broker unreachable or store unavailable"})
final class PublishCommand extends BrokerCommand {

  @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic name.")
  String topic;

  @Parameters(index = "1", paramLabel = "JSON", description = "The payload: any JSON value (quote it for the shell).")
  String json;

  @Option(names = "--header", paramLabel = "KEY=VALUE", description = "A header (repeatable).")
  Map<String, String> headers = new LinkedHashMap<>();

  @Option(names = "--transient", description = "Deliver live, then remove from the timeline (persist: false).")
  boolean transientEvent;

  @Override
  Future<Integer> run(Vertx vertx, WebClient http) {
    Topic.validate(topic);
    Object payload;
    try {
      payload = Json.decodeValue(json);
    } catch (DecodeException e) {
      throw FeedbusException.badRequest("malformed_json", "the payload is not valid JSON: " + json);
    }
    JsonObject body = new JsonObject().put("payload", payload);
    if (!headers.isEmpty()) {
      body.put("headers", new JsonObject(new LinkedHashMap<>(headers)));
    }
    if (transientEvent) {
      body.put("persist", false);
    }
    return authorized(http.post("/topics/" + topic + "/events")).timeout(timeoutMillis)
        .putHeader("content-type", "application/json")
        .sendJsonObject(body)
        .compose(this::body)
        .map(ack -> {
          print(ack.toString());
          return ExitCodes.OK;
        });
  }
}
