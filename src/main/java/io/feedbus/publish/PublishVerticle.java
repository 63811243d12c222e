package io.feedbus.publish;

import io.feedbus.FeedbusOptions;
import io.feedbus.event.Ack;
import io.feedbus.event.BusService;
import io.feedbus.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/** Serves {@code feedbus.publish}: validate, write through the group committer, acknowledge. */
public final class PublishVerticle extends VerticleBase {

  private final EventLog log;
  private final String nodeId;
  private final FeedbusOptions.Publish options;
  private final GroupCommitter.Observer observer;
  private GroupCommitter committer;
  private java.util.List<MessageConsumer<Object>> consumers;

  public PublishVerticle(EventLog log, String nodeId, FeedbusOptions.Publish options, GroupCommitter.Observer observer) {
    this.log = log;
    this.nodeId = nodeId;
    this.options = options;
    this.observer = observer;
  }

  @Override
  public Future<?> start() {
    committer = new GroupCommitter(log, nodeId, options.maxBatchSize, options.maxPending, observer,
        vertx, options.maxCommitDelayMillis);
    consumers = new java.util.ArrayList<>(BusService.register(vertx.eventBus(), PublishRequest.ADDRESS, nodeId,
        body -> publish(body).map(Ack::toJson)));
    // Callers on this Vert.x: the body by reference, the ack itself as the reply.
    consumers.add(BusService.registerLocal(vertx.eventBus(), PublishRequest.LOCAL_ADDRESS, this::publish));
    // And without a bus request at all (PublishRequest.send).
    DirectPublish.register(vertx, context, this::publish);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private Future<Ack> publish(io.vertx.core.json.JsonObject body) {
    PublishRequest request = PublishRequest.parse(body, options.maxPayloadBytes);
    long accepted = System.nanoTime();
    return committer.submit(request).map(event -> {
      observer.acknowledged(event, System.nanoTime() - accepted);
      return Ack.of(event);
    });
  }

  /** Stops taking publishes, then waits for every accepted one to be durable or failed. */
  @Override
  public Future<?> stop() {
    DirectPublish.unregister(vertx, context);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).compose(v -> committer.drain());
  }

  /** The context this verticle runs on, once deployed (where the node places the verticles an event passes through). */
  public io.vertx.core.Context context() {
    return context;
  }
}
