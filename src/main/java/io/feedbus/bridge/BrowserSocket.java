package io.feedbus.bridge;

import io.feedbus.auth.Caller;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One bridge socket and its bounded outbound queue: frames written to the socket but not yet
 * flushed to the network are counted (messages and bytes), and a write is only made while both are
 * under their limits. A drop episode runs from the first dropped event until the queue has drained
 * to half its bounds; during it, every topic with a dropped event is skipped altogether. Lives on
 * the bridge's event loop; not thread-safe.
 */
final class BrowserSocket {

  final SockJSSocket socket;
  final BrowserConnection connection;
  final Caller user;
  private final int maxMessages;
  private final long maxBytes;
  private int queuedMessages;
  private long queuedBytes;
  private boolean dropping;
  private int droppedInEpisode;
  /** Per topic skipped in this episode, its first dropped event's {@code {cursor, ts}} (empty if it had none). */
  private final Map<String, JsonObject> firstDropped = new LinkedHashMap<>();
  long expiryTimer = -1;
  boolean closed;

  BrowserSocket(SockJSSocket socket, BrowserConnection connection, Caller user, int maxMessages, long maxBytes) {
    this.socket = socket;
    this.connection = connection;
    this.user = user;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** True when one more frame would exceed a bound. */
  boolean full() {
    return queuedMessages >= maxMessages || queuedBytes >= maxBytes;
  }

  /** Writes a frame, counting it as queued until the transport has flushed (or failed) it. */
  void write(Buffer frame, Runnable onFlushed) {
    int size = frame.length();
    queuedMessages++;
    queuedBytes += size;
    socket.write(frame).onComplete(ar -> {
      queuedMessages--;
      queuedBytes -= size;
      onFlushed.run();
    });
  }

  /** True while topic is skipped: from its first dropped event until the episode ends. */
  boolean skipping(String topic) {
    return firstDropped.containsKey(topic);
  }

  /** Counts a dropped event; {@code event} is its frame body. */
  void dropped(String topic, Object event) {
    dropping = true;
    droppedInEpisode++;
    firstDropped.computeIfAbsent(topic, t -> position(event));
  }

  private static JsonObject position(Object event) {
    if (event instanceof JsonObject body && body.getValue("cursor") instanceof String cursor) {
      return new JsonObject().put("cursor", cursor).put("ts", body.getValue("ts"));
    }
    return new JsonObject();
  }

  /** True once a drop episode is over: the queue has drained to half its bounds. */
  boolean recovered() {
    return dropping && queuedMessages <= maxMessages / 2 && queuedBytes <= maxBytes / 2;
  }

  int droppedInEpisode() {
    return droppedInEpisode;
  }

  /** The topics skipped in this episode, each with its first dropped event's {@code {cursor, ts}}. */
  Map<String, JsonObject> firstDropped() {
    return firstDropped;
  }

  void endEpisode() {
    dropping = false;
    droppedInEpisode = 0;
    firstDropped.clear();
  }

  int queuedMessages() {
    return queuedMessages;
  }

  long queuedBytes() {
    return queuedBytes;
  }
}
