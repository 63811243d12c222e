package io.feedbus.presence;

import io.feedbus.event.BusService;
import io.feedbus.event.FeedbusException;
import io.feedbus.store.ConnectionStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Serves {@code feedbus.connections.*} and {@code feedbus.admission.*} for one node (see
 * {@link PresenceAddresses}) and sweeps every {@code sweepIntervalMillis}. Management changes
 * (cap, accepting, priority, ban) name a {@code serverId} or, without one, apply to every node:
 * the node that takes the request stores it (see {@link RuntimeSetting}), applies it and tells the
 * others; a node that starts takes back what is stored for it and for every node.
 */
public final class ConnectionRegistryVerticle extends VerticleBase {

  private final ConnectionStore store;
  private final String serverId;
  private final PresenceOptions options;
  private final PresenceObserver observer;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private ConnectionRegistry registry;
  private Admission admission;
  private long sweepTimer = -1;

  public ConnectionRegistryVerticle(ConnectionStore store, String serverId, PresenceOptions options, PresenceObserver observer) {
    this.store = store;
    this.serverId = serverId;
    this.options = options;
    this.observer = observer;
  }

  @Override
  public Future<?> start() {
    registry = new ConnectionRegistry(vertx, store, serverId, options, observer);
    admission = new Admission(registry, observer);
    return registry.restore().compose(v -> listen());
  }

  private Future<?> listen() {
    serve(PresenceAddresses.UPSERT, registry::register);
    serve(PresenceAddresses.HEARTBEAT, registry::heartbeat);
    serve(PresenceAddresses.REMOVE, registry::remove);
    serve(PresenceAddresses.LIST, registry::list);
    serve(PresenceAddresses.COUNT_BY_SERVER, body -> registry.countByServer().map(rows -> new JsonObject().put("counts", rows)));
    serve(PresenceAddresses.COUNT_BY_UID, registry::countByUid);
    serve(PresenceAddresses.SETTINGS, body -> Future.succeededFuture(registry.settings()));
    serve(PresenceAddresses.TOPICS, registry::topics);
    serve(PresenceAddresses.PRESENCE, registry::presence);
    serve(PresenceAddresses.SEND, registry::send);
    serve(PresenceAddresses.CAP, body -> change(body.copy().put("op", "cap")));
    serve(PresenceAddresses.ACCEPTING, body -> change(body.copy().put("op", "accepting")));
    serve(PresenceAddresses.PRIORITY, body -> change(body.copy().put("op", "priority")));
    serve(PresenceAddresses.BAN, body -> change(body.copy().put("op", "ban")));
    serve(PresenceAddresses.ACQUIRE, body -> admission.acquire(body.getValue("uid"), body.getValue("connectionId")));
    serve(PresenceAddresses.RELEASE, body -> admission.release(body.getValue("uid"), body.getValue("connectionId")));
    serve(PresenceAddresses.STATE, body -> admission.state(body.getValue("uid")));
    serve(PresenceAddresses.RENEW, body -> admission.renew(body.getValue("uid")));
    MessageConsumer<JsonObject> changes = vertx.eventBus().consumer(PresenceAddresses.SETTINGS_CHANGED, m -> {
      if (!serverId.equals(m.body().getString("origin"))) {
        apply(m.body()).onFailure(e -> registry.publishError(null, null, FeedbusException.from(e).code(), "setting change failed: " + e.getMessage()));
      }
    });
    consumers.add(changes);
    sweepTimer = vertx.setPeriodic(options.sweepIntervalMillis, id -> registry.sweep());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void serve(String address, Function<JsonObject, Future<?>> service) {
    consumers.addAll(BusService.register(vertx.eventBus(), address, serverId, service));
  }

  /**
   * Validates a change, stores it (so restarted and later nodes take it back), applies it here when
   * it targets this node, and tells the other nodes.
   */
  private Future<JsonObject> change(JsonObject request) {
    validate(request);
    return store.putSetting(stored(request)).compose(v -> {
      vertx.eventBus().publish(PresenceAddresses.SETTINGS_CHANGED, request.copy().put("origin", serverId));
      return apply(request);
    });
  }

  /** The stored form of a validated change: for its serverId, or for every node. */
  private RuntimeSetting stored(JsonObject change) {
    String target = change.getString("serverId");
    switch (change.getString("op")) {
      case "cap":
        return ConnectionRegistry.setting(target, "cap", change.getInteger("cap"));
      case "accepting":
        return ConnectionRegistry.setting(target, "accepting", change.getBoolean("accepting"));
      case "priority":
        return ConnectionRegistry.setting(target, ConnectionRegistry.prioritySetting(change.getString("uid")),
            Priority.parse(change.getValue("priority")).name());
      default:
        return ConnectionRegistry.setting(target, ConnectionRegistry.prioritySetting(change.getString("uid")),
            banTarget(change).name());
    }
  }

  /** What a ban change sets: BANNED, or on unban the configured priority (never BANNED) or the default. */
  private Priority banTarget(JsonObject change) {
    if (change.getBoolean("banned", true)) {
      return Priority.BANNED;
    }
    Priority configured = options.priorities.get(change.getString("uid"));
    return configured == null || configured == Priority.BANNED ? options.defaultPriority : configured;
  }

  private static void validate(JsonObject request) {
    Object target = request.getValue("serverId");
    if (target != null && !(target instanceof String)) {
      throw FeedbusException.badRequest("bad_request", "serverId must be a string");
    }
    switch (request.getString("op")) {
      case "cap":
        if (!(request.getValue("cap") instanceof Number) || request.getLong("cap") < 0 || request.getLong("cap") > Integer.MAX_VALUE) {
          throw FeedbusException.badRequest("bad_request", "cap must be a whole number, 0 for unlimited");
        }
        break;
      case "accepting":
        if (!(request.getValue("accepting") instanceof Boolean) || !(request.getValue("closeExisting", false) instanceof Boolean)) {
          throw FeedbusException.badRequest("bad_request", "accepting (and closeExisting) must be true or false");
        }
        break;
      case "priority":
        Uids.uid(request.getValue("uid"));
        Priority.parse(request.getValue("priority"));
        break;
      default:
        Uids.uid(request.getValue("uid"));
        if (!(request.getValue("banned", true) instanceof Boolean)) {
          throw FeedbusException.badRequest("bad_request", "banned must be true or false");
        }
    }
  }

  private Future<JsonObject> apply(JsonObject change) {
    String target = change.getString("serverId");
    if (target != null && !target.equals(serverId)) {
      return Future.succeededFuture(new JsonObject().put("serverId", target).put("forwarded", true));
    }
    switch (change.getString("op")) {
      case "cap":
        return Future.succeededFuture(registry.setCap(change.getInteger("cap")));
      case "accepting":
        return registry.setAccepting(change.getBoolean("accepting"), change.getBoolean("closeExisting", false));
      case "priority":
        return registry.setPriority(change.getString("uid"), Priority.parse(change.getValue("priority")));
      default:
        return registry.setPriority(change.getString("uid"), banTarget(change));
    }
  }

  /** Refuses new connections and closes this node's (see {@link ConnectionRegistry#shutdown()}); on the verticle's context. */
  public Future<Integer> shutdown() {
    io.vertx.core.Promise<Integer> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> registry.shutdown().onComplete(done));
    return done.future();
  }

  /** The registry this verticle serves (tests, the HTTP routes' fast paths). */
  public ConnectionRegistry registry() {
    return registry;
  }

  @Override
  public Future<?> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
