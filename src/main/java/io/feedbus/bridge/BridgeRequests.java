package io.feedbus.bridge;

import io.feedbus.event.Ack;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Nodes;
import io.feedbus.publish.PublishRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.function.BiConsumer;

/**
 * The browsers' requests to this node's publish and history services, at most
 * {@code bridge.maxRequestsInFlight} per socket awaiting their answer. The bridge sends each request
 * here (a consumer of its own address) rather than to the service: one over the bound is answered at
 * once with 429 {@code too_many_requests} and never reaches the service; the others are forwarded.
 * Every answer, a failure included, comes back as a reply marked {@link #ANSWER_HEADER}, so the
 * bridge writes it to the browser through the socket's bounded queue (Vert.x's bridge would write a
 * failure to the socket itself, past the queue).
 */
final class BridgeRequests {

  /** Headers the bridge sets on a browser's request (a browser's own frame headers never reach the bus). */
  static final String CONNECTION_HEADER = "feedbus-connection";
  static final String SERVICE_HEADER = "feedbus-service";
  /** On an answer: {@code ok} (the body is the service's reply) or {@code err} (the body is the message). */
  static final String ANSWER_HEADER = "feedbus-answer";
  static final String FAILURE_CODE_HEADER = "feedbus-failure-code";
  static final String FAILURE_TYPE_HEADER = "feedbus-failure-type";
  /** How long a service may take to answer a browser; Vert.x's bridge waits longer, so the answer always comes from here. */
  static final long TIMEOUT_MILLIS = 30_000;

  private final Vertx vertx;
  private final BridgeSockets sockets;
  private final int maxInFlight;
  private final BiConsumer<BrowserSocket, String> refused;
  private final String address = "feedbus.bridge.requests." + UUID.randomUUID();

  /** Starts taking requests; {@code refused} hears of each request refused, with its code. */
  BridgeRequests(Vertx vertx, BridgeSockets sockets, int maxInFlight, BiConsumer<BrowserSocket, String> refused) {
    this.vertx = vertx;
    this.sockets = sockets;
    this.maxInFlight = maxInFlight;
    this.refused = refused;
    vertx.eventBus().consumer(address, this::forward);
  }

  /** Where the bridge sends the browsers' requests. */
  String address() {
    return address;
  }

  /** The request frame's headers that route it through here to {@code service} for {@code browser}. */
  static JsonObject headers(BrowserSocket browser, String service) {
    return new JsonObject().put(CONNECTION_HEADER, browser.connection.connectionId()).put(SERVICE_HEADER, service);
  }

  private void forward(Message<Object> request) {
    String service = request.headers().get(SERVICE_HEADER);
    // Null when the socket closed since it sent this: nobody waits for the answer, but what it asked is done.
    BrowserSocket browser = sockets.byConnectionId(request.headers().get(CONNECTION_HEADER));
    if (browser != null && !browser.startRequest(maxInFlight)) {
      refused.accept(browser, "too_many_requests");
      fail(request, new FeedbusException(429, "too_many_requests", "this connection has " + maxInFlight
          + " requests awaiting their answer (bridge.maxRequestsInFlight); send more once answers arrive").toReply());
      return;
    }
    Future<Object> answer;
    if (PublishRequest.ADDRESS.equals(service) && request.body() instanceof JsonObject body) {
      // This consumer's copy of the body is handed on as it is.
      answer = PublishRequest.send(vertx, body, TIMEOUT_MILLIS).map(Ack::toJson);
    } else {
      answer = vertx.eventBus().request(Nodes.nearest(vertx, service), request.body(), new DeliveryOptions().setSendTimeout(TIMEOUT_MILLIS))
          .map(Message::body);
    }
    answer.onComplete(ar -> {
      if (browser != null) {
        browser.endRequest();
      }
      if (ar.succeeded()) {
        request.reply(ar.result(), new DeliveryOptions().addHeader(ANSWER_HEADER, "ok"));
      } else if (ar.cause() instanceof ReplyException) {
        fail(request, (ReplyException) ar.cause());
      } else {
        fail(request, FeedbusException.from(ar.cause()).toReply());
      }
    });
  }

  private static void fail(Message<Object> request, ReplyException failure) {
    request.reply(failure.getMessage(), new DeliveryOptions().addHeader(ANSWER_HEADER, "err")
        .addHeader(FAILURE_CODE_HEADER, String.valueOf(failure.failureCode()))
        .addHeader(FAILURE_TYPE_HEADER, failure.failureType().name()));
  }

  /** The browser frame of an answer {@code reply} (a frame Vert.x's bridge built from the reply) to its reply address. */
  static JsonObject answerFrame(JsonObject reply) {
    JsonObject headers = reply.getJsonObject("headers");
    String address = reply.getString("address");
    if ("ok".equals(headers.getString(ANSWER_HEADER))) {
      return new JsonObject().put("type", "rec").put("address", address).put("body", reply.getValue("body"));
    }
    int code;
    try {
      code = Integer.parseInt(headers.getString(FAILURE_CODE_HEADER));
    } catch (NumberFormatException e) {
      code = 500;
    }
    String type = headers.getString(FAILURE_TYPE_HEADER, ReplyFailure.RECIPIENT_FAILURE.name());
    return errorFrame(address, code, type, String.valueOf(reply.getValue("body")));
  }

  /** True when {@code frame} (one Vert.x's bridge is about to write) is an answer from here. */
  static boolean isAnswer(JsonObject frame) {
    return frame.getValue("headers") instanceof JsonObject headers && headers.containsKey(ANSWER_HEADER);
  }

  /** An {@code err} frame, as the Vert.x event bus client hands it to the reply handler of {@code address}. */
  static JsonObject errorFrame(String address, int code, String type, String message) {
    return new JsonObject().put("type", "err").put("address", address).put("failureCode", code)
        .put("failureType", type).put("message", message);
  }
}
