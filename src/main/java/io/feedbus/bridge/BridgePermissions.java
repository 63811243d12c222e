package io.feedbus.bridge;

import io.feedbus.auth.Caller;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Topic;
import io.feedbus.feed.HistoryRequest;
import io.feedbus.publish.PublishRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;

/**
 * Which frames a browser may send: listen on {@code feedbus.topic.<topic>} and
 * {@code feedbus.presence.<topic>} (who joins and leaves the topic) with the subscribe right,
 * send to {@code feedbus.history} with the subscribe right on the body's topic, and to
 * {@code feedbus.publish} with the publish right on it. Everything else is refused with a reason,
 * publishing (rather than sending) to those two included: in a cluster every node would take it.
 */
public final class BridgePermissions {

  /** Address regex of what browsers may listen on (the bridge's outbound permission). */
  public static final String TOPIC_ADDRESS_REGEX = "feedbus\\.topic\\..+";
  /** Address regex of the join and leave notices of a topic, which browsers may listen on with the topic's subscribe right. */
  public static final String PRESENCE_ADDRESS_REGEX = "feedbus\\.presence\\..+";
  private static final String PRESENCE_PREFIX = "feedbus.presence.";

  private BridgePermissions() {
  }

  /** Null when {@code user} may do it, else the refusal as a coded error. */
  public static FeedbusException check(BridgeEventType type, String address, Object body, Caller user) {
    switch (type) {
      case REGISTER:
        if (address != null && address.startsWith(PRESENCE_PREFIX)) {
          return topicRight(address.substring(PRESENCE_PREFIX.length()), user, false);
        }
        if (address == null || !address.startsWith(Topic.ADDRESS_PREFIX)) {
          return notOpen(address, "listen on");
        }
        return topicRight(address.substring(Topic.ADDRESS_PREFIX.length()), user, false);
      case UNREGISTER:
        return null;
      case PUBLISH:
        if (PublishRequest.ADDRESS.equals(address) || HistoryRequest.ADDRESS.equals(address)) {
          return FeedbusException.forbidden("browsers send (request and reply) to '" + address
              + "'; publishing a message to it would reach every node of a cluster, which would each act on it");
        }
        return notOpen(address, "publish to");
      case SEND:
        if (PublishRequest.ADDRESS.equals(address) || HistoryRequest.ADDRESS.equals(address)) {
          if (!(body instanceof JsonObject)) {
            return FeedbusException.badRequest("bad_request", "the body sent to " + address + " must be a JSON object with a topic");
          }
          return topicRight(((JsonObject) body).getValue("topic"), user, PublishRequest.ADDRESS.equals(address));
        }
        return notOpen(address, "send to");
      default:
        return null;
    }
  }

  private static FeedbusException topicRight(Object topicValue, Caller user, boolean publish) {
    String topic;
    try {
      topic = Topic.validate(topicValue);
    } catch (FeedbusException e) {
      return e;
    }
    return user.topicRefusal(topic, publish);
  }

  private static FeedbusException notOpen(String address, String what) {
    return FeedbusException.forbidden("browsers may not " + what + " '" + address
        + "': they may send to feedbus.publish and feedbus.history and listen on feedbus.topic.<topic> and feedbus.presence.<topic>");
  }
}
