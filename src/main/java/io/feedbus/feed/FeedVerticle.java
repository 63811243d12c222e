package io.feedbus.feed;

import io.feedbus.FeedbusOptions;
import io.feedbus.event.BusService;
import io.feedbus.event.Event;
import io.feedbus.event.EventCodec;
import io.feedbus.event.EventJsonCodec;
import io.feedbus.event.Topic;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.feedbus.store.StoreStatus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Republishes the engine's change stream on {@code feedbus.topic.<topic>} of this node (the feed of
 * each broker node delivers to its own Vert.x; members without a broker attach to one, see
 * {@link RemoteSubscribers}), relays engine notices to {@code feedbus.store.status}, removes
 * transient events once delivered, and serves {@code feedbus.history} (also as {@link HistoryRequest#LOCAL_ADDRESS})
 * and {@code feedbus.attach}.
 */
public final class FeedVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FeedVerticle.class);

  /** What the feed reports to whoever measures it. */
  public interface Observer {
    Observer NONE = new Observer() { };

    default void delivered(Event event) {
    }

    default void status(StoreStatus status) {
    }
  }

  private final EventLog log;
  private final String nodeId;
  private final FeedbusOptions.History historyOptions;
  private final Observer observer;
  private final List<Event> transientDelivered = new ArrayList<>();
  private DeliveryOptions delivery;
  private final DeliveryOptions localDelivery = EventCodec.localDelivery();
  private ChangeStream stream;
  private java.util.List<MessageConsumer<Object>> historyConsumers;
  private RemoteSubscribers remotes;
  private volatile StoreStatus lastStatus;

  public FeedVerticle(EventLog log, String nodeId, FeedbusOptions.History historyOptions, Observer observer) {
    this.log = log;
    this.nodeId = nodeId;
    this.historyOptions = historyOptions;
    this.observer = observer;
  }

  @Override
  public Future<?> start() {
    // Each node delivers to its own Vert.x only: in a cluster sharing a store every node delivers every
    // event, so a cluster-wide publish would reach each subscriber once per node.
    // Each consumer's JSON is built when it reads it (EventJsonCodec): none when nobody listens.
    delivery = EventJsonCodec.localDelivery();
    remotes = new RemoteSubscribers(vertx, nodeId);
    HistoryService history = new HistoryService(log, historyOptions.maxPageBytes);
    java.util.function.Function<JsonObject, Future<HistoryPage>> read =
        body -> history.read(HistoryRequest.parse(body, historyOptions.defaultLimit, historyOptions.maxLimit));
    historyConsumers = new java.util.ArrayList<>(BusService.register(vertx.eventBus(), HistoryRequest.ADDRESS, nodeId,
        body -> read.apply(body).map(HistoryPage::toJson)));
    HistoryPageCodec.registerOn(vertx.eventBus());
    EventCodec.registerOn(vertx.eventBus());
    EventJsonCodec.registerOn(vertx.eventBus());
    historyConsumers.add(BusService.registerLocal(vertx.eventBus(), HistoryRequest.LOCAL_ADDRESS, read::apply));
    historyConsumers.addAll(BusService.register(vertx.eventBus(), RemoteSubscribers.ADDRESS, nodeId, remotes::attach));
    return Future.all(historyConsumers.stream().map(MessageConsumer::completion).toList())
        .compose(v -> log.changes(null, new ChangeListener() {
          @Override
          public void onEvent(Event event) {
            deliver(event);
          }

          @Override
          public void onStatus(StoreStatus status) {
            relay(status);
          }
        }))
        .onSuccess(s -> stream = s);
  }

  /** The last notice the engine gave (connected, disconnected, ...), or null before the first. */
  public StoreStatus lastStatus() {
    return lastStatus;
  }

  private void deliver(Event event) {
    // This node's subscriptions and browser fan-out share the event itself; JVM consumers of the
    // topic's address (here and, through remotes, on nodes without a feed) get their JSON copy.
    vertx.eventBus().publish(Topic.localAddress(event.topic()), event, localDelivery);
    vertx.eventBus().publish(Topic.address(event.topic()), event, delivery);
    remotes.forward(event);
    observer.delivered(event);
    // Every node's feed sees a transient event of a shared store; the node that accepted it removes it.
    if (!event.persist() && (!log.sharedAcrossNodes() || nodeId.equals(event.origin()))) {
      if (transientDelivered.isEmpty()) {
        vertx.runOnContext(v -> removeTransient());
      }
      transientDelivered.add(event);
    }
  }

  private void removeTransient() {
    List<Event> batch = new ArrayList<>(transientDelivered);
    transientDelivered.clear();
    log.delete(batch).onFailure(e -> LOG.warn("could not remove {} transient events: {}", batch.size(), e.getMessage()));
  }

  private void relay(StoreStatus status) {
    lastStatus = status;
    if (status.state() == StoreStatus.State.CONNECTED || status.state() == StoreStatus.State.RECONNECTED) {
      LOG.info("store {}: {}", status.state().name().toLowerCase(), status.engine());
    } else {
      LOG.warn("store {}: {} {}", status.state().name().toLowerCase(), status.engine(), status.detail());
    }
    observer.status(status);
    vertx.eventBus().publish(StoreStatus.ADDRESS, status.toJson(), new DeliveryOptions().setLocalOnly(true));
  }

  @Override
  public Future<?> stop() {
    Future<Void> closeStream = stream == null ? Future.succeededFuture() : stream.close();
    if (!transientDelivered.isEmpty()) {
      removeTransient();
    }
    return Future.join(closeStream, remotes.close(),
        Future.join(historyConsumers.stream().map(MessageConsumer::unregister).toList()));
  }

  /** The context this verticle runs on, once deployed (where the node places the verticles an event passes through). */
  public io.vertx.core.Context context() {
    return context;
  }
}
