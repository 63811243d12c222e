package io.feedbus.event;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds a request/reply address to a JSON service: bad bodies and failures become coded replies. */
public final class BusService {

  private static final Logger LOG = LoggerFactory.getLogger(BusService.class);

  private BusService() {
  }

  /**
   * Binds {@code service} to {@code address} (any node) and to {@code address@nodeId} (this node
   * only, see {@link Nodes}); returns both consumers.
   */
  public static java.util.List<MessageConsumer<Object>> register(EventBus bus, String address, String nodeId,
                                                                Function<JsonObject, Future<?>> service) {
    return java.util.List.of(register(bus, address, service), register(bus, Nodes.at(address, nodeId), service));
  }

  public static MessageConsumer<Object> register(EventBus bus, String address, Function<JsonObject, Future<?>> service) {
    return bus.consumer(address, message -> answer(address, message, service));
  }

  /** Binds {@code service} to {@code address} on this Vert.x only: its replies may be objects that never leave it. */
  public static MessageConsumer<Object> registerLocal(EventBus bus, String address, Function<JsonObject, Future<?>> service) {
    return bus.localConsumer(address, message -> answer(address, message, service));
  }

  private static void answer(String address, Message<Object> message, Function<JsonObject, Future<?>> service) {
    Object body = message.body();
    if (!(body instanceof JsonObject)) {
      message.reply(FeedbusException.badRequest("bad_request", "the message body must be a JSON object").toReply());
      return;
    }
    Future<?> result;
    try {
      result = service.apply((JsonObject) body);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        FeedbusException error = FeedbusException.from(ar.cause());
        if (error.status() >= 500) {
          LOG.warn("{} failed: {}", address, error.getMessage(), error.getCause());
        }
        message.reply(error.toReply());
      }
    });
  }
}
