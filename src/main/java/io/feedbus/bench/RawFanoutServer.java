package io.feedbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The fan-out baseline: a plain Vert.x WebSocket server, no broker. It speaks just enough of the
 * bridge's frames for the bench's clients: {@code register} adds the socket to the subscribers, a
 * {@code send} to {@code feedbus.publish} is answered at once and its event, framed as the bridge
 * frames one, is encoded once and written to every subscriber as the same binary message; any other
 * {@code send} gets an empty reply, {@code ping} nothing.
 * No store, no bus, no per-socket queue bound. Like the broker's HTTP server, one verticle instance
 * (one event loop) owns every socket. {@link FanoutBench} runs it as a child process.
 */
public final class RawFanoutServer extends VerticleBase {

  private final Set<ServerWebSocket> subscribers = new LinkedHashSet<>();
  private HttpServer server;
  private long sequence;

  public static void main(String[] args) {
    // As many event loops as a broker node gets (ops.eventLoops), so both servers run alike.
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(io.feedbus.ops.OpsOptions.defaultEventLoops()));
    RawFanoutServer verticle = new RawFanoutServer();
    vertx.deployVerticle(verticle).onComplete(ar -> {
      if (ar.failed()) {
        ar.cause().printStackTrace();
        System.exit(1);
      }
      // What ChildBroker waits for.
      System.out.println("raw fan-out server listening on http://127.0.0.1:" + verticle.server.actualPort());
    });
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer().webSocketHandler(this::accept).listen(0, "127.0.0.1").onSuccess(s -> server = s);
  }

  private void accept(ServerWebSocket socket) {
    socket.closeHandler(v -> subscribers.remove(socket));
    socket.textMessageHandler(text -> onFrame(socket, new JsonObject(text)));
  }

  private void onFrame(ServerWebSocket socket, JsonObject frame) {
    switch (frame.getString("type", "")) {
      case "register" -> subscribers.add(socket);
      case "send" -> {
        if ("feedbus.publish".equals(frame.getString("address"))) {
          publish(socket, frame);
        } else {
          reply(socket, frame, new JsonObject());
        }
      }
      default -> { }
    }
  }

  private void publish(ServerWebSocket publisher, JsonObject frame) {
    JsonObject request = frame.getJsonObject("body");
    String topic = request.getString("topic");
    long now = System.currentTimeMillis();
    // A cursor of the broker's shape (13-6-8), so the frame is as long as the broker's.
    String cursor = String.format("%013d-%06d-0000beef", now, sequence++ % 1_000_000);
    JsonObject event = new JsonObject().put("id", cursor).put("cursor", cursor).put("topic", topic).put("ts", now)
        .put("payload", request.getValue("payload")).put("origin", "raw").put("persist", true);
    reply(publisher, frame, new JsonObject().put("id", cursor).put("cursor", cursor).put("ts", now));
    Buffer out = new JsonObject().put("type", "rec").put("address", "feedbus.topic." + topic).put("body", event).toBuffer();
    for (ServerWebSocket subscriber : subscribers) {
      subscriber.writeBinaryMessage(out);
    }
  }

  private static void reply(ServerWebSocket socket, JsonObject frame, JsonObject body) {
    socket.writeTextMessage(new JsonObject().put("type", "rec").put("address", frame.getString("replyAddress")).put("body", body).encode());
  }
}
