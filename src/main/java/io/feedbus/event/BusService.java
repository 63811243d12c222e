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
    call(address, service, (JsonObject) body).onComplete(message::reply, message::reply);
  }

  /**
   * Runs {@code service} on {@code body} as a request to {@code address} would: what it throws or
   * fails with becomes the coded {@link ReplyException} a requester gets ({@link FeedbusException#toReply}),
   * logged when it is the service's fault (5xx).
   */
  public static <T> Future<T> call(String address, Function<JsonObject, ? extends Future<? extends T>> service, JsonObject body) {
    Future<? extends T> result;
    try {
      result = service.apply(body);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    @SuppressWarnings("unchecked") // a future of a T's subtype is a future of T for every reader
    Future<T> answer = (Future<T>) result;
    return answer.recover(cause -> {
      FeedbusException error = FeedbusException.from(cause);
      if (error.status() >= 500) {
        LOG.warn("{} failed: {}", address, error.getMessage(), error.getCause());
      }
      return Future.failedFuture(error.toReply());
    });
  }
}
