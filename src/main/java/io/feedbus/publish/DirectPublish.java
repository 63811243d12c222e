package io.feedbus.publish;

import io.feedbus.event.Ack;
import io.feedbus.event.BusService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * This node's publish service, called by code on the same Vert.x (HTTP routes, browser bridge, Java
 * client) without an event-bus request. A local request costs a reply address, a handler
 * registration, a message each way and a timeout timer; in Vert.x 5 the reply also reaches its
 * handler outside any context, and unregistering that handler creates a new context every time.
 * Together that was a sixth of the event loops' time in the in-process bench. Here the request is
 * a task on the publish service's context and the answer a promise of the caller's; a timer keeps
 * the request's timeout, failing with the same {@link ReplyFailure#TIMEOUT}, and failures are the
 * coded {@link ReplyException}s the bus service replies with ({@link BusService#call}).
 *
 * <p>The service is here from the start of {@link PublishVerticle} until its stop begins, so a
 * caller afterwards goes to the bus, where nothing listens any more, as before.
 */
final class DirectPublish {

  private record Service(Context context, Function<JsonObject, Future<Ack>> publish) {
  }

  private static final Map<Vertx, Service> SERVICES = new ConcurrentHashMap<>();

  private DirectPublish() {
  }

  static void register(Vertx vertx, Context context, Function<JsonObject, Future<Ack>> publish) {
    SERVICES.put(vertx, new Service(context, publish));
  }

  static void unregister(Vertx vertx, Context context) {
    SERVICES.computeIfPresent(vertx, (v, service) -> service.context() == context ? null : service);
  }

  /** The publish of this Vert.x's own node, or null when none is running here. */
  static Future<Ack> send(Vertx vertx, JsonObject body, long timeoutMillis) {
    Service service = SERVICES.get(vertx);
    if (service == null) {
      return null;
    }
    ContextInternal caller = ((VertxInternal) vertx).getOrCreateContext();
    Promise<Ack> answer = caller.promise();
    // As the bus: no timeout unless a positive one is given.
    long timer = timeoutMillis <= 0 ? -1 : caller.setTimer(timeoutMillis, id -> answer.tryFail(new ReplyException(ReplyFailure.TIMEOUT,
        "Timed out after waiting " + timeoutMillis + "(ms) for a reply. address: " + PublishRequest.LOCAL_ADDRESS)));
    Runnable call = () -> BusService.call(PublishRequest.LOCAL_ADDRESS, service.publish(), body).onComplete((ack, failure) -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (failure == null) {
        answer.tryComplete(ack);
      } else {
        answer.tryFail(failure);
      }
    });
    if (((ContextInternal) service.context()).isRunningOnContext()) {
      call.run();
    } else {
      service.context().runOnContext(v -> call.run());
    }
    return answer.future();
  }
}
