package io.feedbus.bridge;

import io.feedbus.auth.Caller;
import io.feedbus.event.Event;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One bridge socket and its bounded outbound queue: frames written to the socket but not yet
 * flushed to the network are counted (messages and bytes), and a write is only made while both are
 * under their limits. A drop episode runs from the first dropped event until the queue has drained
 * to half its bounds; during it, every topic with a dropped event is skipped altogether. It also
 * counts the addresses the browser listens on and its requests awaiting an answer. Lives on the
 * bridge's event loop and is not thread-safe, but for the count of requests (kept by
 * {@link BridgeRequests}, whose consumer may run elsewhere).
 */
final class BrowserSocket {

  final SockJSSocket socket;
  final BrowserConnection connection;
  final Caller user;
  private final int maxMessages;
  private final long maxBytes;
  /** Told after each write is flushed or failed (the bridge ends drop episodes there); one for every write. */
  private final Consumer<BrowserSocket> afterFlush;
  private int queuedMessages;
  private long queuedBytes;
  private boolean dropping;
  private int droppedInEpisode;
  /** Per topic skipped in this episode, its first dropped event's {@code {cursor, ts}} (empty if it had none). */
  private final Map<String, JsonObject> firstDropped = new LinkedHashMap<>();
  private final Set<String> listening = new HashSet<>();
  private final AtomicInteger requestsInFlight = new AtomicInteger();
  // Written on the bridge's event loop only; volatile so that tests may watch them.
  private volatile long mostQueuedBytes;
  private volatile int answers;
  long expiryTimer = -1;
  boolean closed;

  BrowserSocket(SockJSSocket socket, BrowserConnection connection, Caller user, int maxMessages, long maxBytes,
                Consumer<BrowserSocket> afterFlush) {
    this.socket = socket;
    this.connection = connection;
    this.user = user;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.afterFlush = afterFlush;
  }

  /** True when one more frame would exceed a bound. */
  boolean full() {
    return queuedMessages >= maxMessages || queuedBytes >= maxBytes;
  }

  /**
   * True when a frame of {@code size} bytes can be written without taking the queue past a bound; one
   * frame always fits an empty queue (an answer may be as large as a history page, {@code history.maxPageBytes}).
   */
  boolean fits(int size) {
    return queuedMessages == 0 || (queuedMessages < maxMessages && queuedBytes + size <= maxBytes);
  }

  /** Writes a frame, counting it as queued until the transport has flushed (or failed) it. */
  void write(Buffer frame) {
    int size = frame.length();
    queuedMessages++;
    queuedBytes += size;
    mostQueuedBytes = Math.max(mostQueuedBytes, queuedBytes);
    socket.write(frame).onComplete(ar -> {
      queuedMessages--;
      queuedBytes -= size;
      afterFlush.accept(this);
    });
  }

  /** Starts listening on {@code address}; false (and nothing changes) when that would make more than {@code max} addresses. */
  boolean listen(String address, int max) {
    if (listening.contains(address)) {
      return true;
    }
    if (listening.size() >= max) {
      return false;
    }
    return listening.add(address);
  }

  void unlisten(String address) {
    listening.remove(address);
  }

  /** The addresses the browser listens on, as a copy. */
  Set<String> listening() {
    return Set.copyOf(listening);
  }

  /** Counts one more request awaiting its answer; false (and nothing is counted) when {@code max} already are. */
  boolean startRequest(int max) {
    return requestsInFlight.getAndUpdate(n -> n < max ? n + 1 : n) < max;
  }

  /** A request got its answer. */
  void endRequest() {
    requestsInFlight.decrementAndGet();
  }

  int requestsInFlight() {
    return requestsInFlight.get();
  }

  /** True while topic is skipped: from its first dropped event until the episode ends. */
  boolean skipping(String topic) {
    // Asked once per socket and event of a fan-out: outside an episode the map is empty.
    return dropping && firstDropped.containsKey(topic);
  }

  /** Counts a dropped event. */
  void dropped(String topic, Event event) {
    dropping = true;
    droppedInEpisode++;
    firstDropped.computeIfAbsent(topic, t -> position(event));
  }

  private static JsonObject position(Event event) {
    return new JsonObject().put("cursor", event.cursor().value()).put("ts", event.ts());
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

  /** The most bytes that were ever queued at once (what the bounds let this socket hold). */
  long mostQueuedBytes() {
    return mostQueuedBytes;
  }

  /** Counts an answer to one of the browser's requests, handed to the queue. */
  void answered() {
    answers++;
  }

  /** The answers to the browser's requests handed to the queue so far. */
  int answers() {
    return answers;
  }

  int queuedMessages() {
    return queuedMessages;
  }

  long queuedBytes() {
    return queuedBytes;
  }
}
