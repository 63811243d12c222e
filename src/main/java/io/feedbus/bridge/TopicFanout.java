package io.feedbus.bridge;

import io.feedbus.event.Event;
import io.feedbus.event.Topic;
import io.feedbus.http.SharedWebSocketFrames;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browsers listening to each topic, with one event bus consumer per topic and event loop: an
 * event is framed once, and the same bytes go to every socket of the topic. Vert.x's bridge would
 * register a consumer per socket, and per socket and event copy the event, match the address against
 * the permitted patterns and encode the frame. Rights are checked when a browser registers
 * ({@link BridgePermissions}), so nothing is checked per event.
 *
 * <p>Vert.x's bridge still keeps one registration per socket and topic, so that its bound on
 * handlers, its refusal of a second registration of an address and its cleanup on close work as
 * before; it keeps it on {@link #registrationAddress(String)}, where nothing is ever sent. Each
 * topic's listeners are touched on their event loop only.
 */
final class TopicFanout {

  /** Where Vert.x's bridge keeps a browser's registration on a topic: a silent address, never sent to. */
  static final String REGISTRATION_PREFIX = "feedbus.bridge.listening.";
  /** Address regex of those registrations (an outbound permission of the bridge, which no browser can register on directly). */
  static final String REGISTRATION_ADDRESS_REGEX = "feedbus\\.bridge\\.listening\\..+";

  /** Writes one event's frame to one browser (the bridge's bounded queue and slow-consumer policy). */
  interface Delivery {
    void deliver(BrowserSocket browser, String topic, Event event, Buffer frame);
  }

  private final Vertx vertx;
  private final Delivery delivery;
  private final Map<Key, Listeners> listeners = new ConcurrentHashMap<>();

  TopicFanout(Vertx vertx, Delivery delivery) {
    this.vertx = vertx;
    this.delivery = delivery;
  }

  static String registrationAddress(String topic) {
    return REGISTRATION_PREFIX + topic;
  }

  /** The topic of a live address or of its registration address, or null for any other address. */
  static String topicOf(String address) {
    if (address == null) {
      return null;
    }
    if (address.startsWith(Topic.ADDRESS_PREFIX)) {
      return address.substring(Topic.ADDRESS_PREFIX.length());
    }
    if (address.startsWith(REGISTRATION_PREFIX)) {
      return address.substring(REGISTRATION_PREFIX.length());
    }
    return null;
  }

  /** Starts delivering the topic's events to {@code browser}, on the calling event loop; joining twice is joining once. */
  void join(String topic, BrowserSocket browser) {
    listeners.computeIfAbsent(new Key(eventLoop(), topic), key -> new Listeners(key)).add(browser);
  }

  /**
   * The calling event loop's own context: each socket's frames are handled on a duplicate of it, and
   * keyed by the duplicate every socket would get a consumer of its own again.
   */
  private Context eventLoop() {
    return ((ContextInternal) vertx.getOrCreateContext()).unwrap();
  }

  /** Stops delivering the topic's events to {@code browser}; its event loop's consumer goes with its last browser. */
  void leave(String topic, BrowserSocket browser) {
    Context here = eventLoop();
    for (Listeners group : listeners.values()) {
      if (group.key.topic.equals(topic)) {
        if (group.key.context == here) {
          group.remove(browser);
        } else {
          group.key.context.runOnContext(v -> group.remove(browser));
        }
      }
    }
  }

  /** Sockets listening on {@code topic} on this node (for tests and metrics). */
  int listening(String topic) {
    int count = 0;
    for (Listeners group : listeners.values()) {
      if (group.key.topic.equals(topic)) {
        count += group.members.size();
      }
    }
    return count;
  }

  /** Bus consumers feeding {@code topic}'s sockets on this node: one per event loop with a socket on it. */
  int consumers(String topic) {
    return (int) listeners.keySet().stream().filter(key -> key.topic.equals(topic)).count();
  }

  private record Key(Context context, String topic) {
  }

  /** One topic's browsers on one event loop, and the consumer that feeds them. */
  private final class Listeners {
    final Key key;
    final String address;
    /** The frame of this topic's events up to the body (a topic name needs no escaping in JSON). */
    final byte[] framePrefix;
    final Set<BrowserSocket> members = new LinkedHashSet<>();
    final MessageConsumer<Object> consumer;
    /** The members as they were at the last event; rebuilt after a change, so a delivery may close a socket. */
    private BrowserSocket[] snapshot;

    Listeners(Key key) {
      this.key = key;
      this.address = Topic.address(key.topic);
      this.framePrefix = ("{\"type\":\"rec\",\"address\":\"" + address + "\",\"body\":")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      // The feed's events by reference: each is encoded once, by the engine, and framed once here.
      this.consumer = vertx.eventBus().localConsumer(Topic.localAddress(key.topic), this::deliver);
    }

    void add(BrowserSocket browser) {
      if (members.add(browser)) {
        snapshot = null;
      }
    }

    void remove(BrowserSocket browser) {
      if (members.remove(browser)) {
        snapshot = null;
        if (members.isEmpty()) {
          listeners.remove(key, this);
          consumer.unregister();
        }
      }
    }

    private void deliver(Message<Object> message) {
      if (snapshot == null) {
        snapshot = members.toArray(new BrowserSocket[0]);
      }
      Event event = (Event) message.body();
      // The frame Vert.x's bridge would write ({type, address, body}), made once for every socket.
      byte[] json = event.encodeUtf8();
      Buffer frame = Buffer.buffer(framePrefix.length + json.length + 1)
          .appendBytes(framePrefix).appendBytes(json).appendByte((byte) '}');
      try (SharedWebSocketFrames.Scope shared = SharedWebSocketFrames.share(frame)) {
        for (BrowserSocket browser : snapshot) {
          delivery.deliver(browser, key.topic, event, frame);
        }
      }
    }
  }
}
