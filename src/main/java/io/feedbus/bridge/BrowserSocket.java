package io.feedbus.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One bridge socket and its bounded outbound queue: frames written to the socket but not yet
 * flushed to the network are counted (messages and bytes), and a write is only made while both are
 * under their limits. Lives on the bridge's event loop; not thread-safe.
 */
final class BrowserSocket {

  final SockJSSocket socket;
  final BrowserConnection connection;
  final BrowserUser user;
  private final int maxMessages;
  private final long maxBytes;
  private int queuedMessages;
  private long queuedBytes;
  private boolean dropping;
  private int droppedInEpisode;
  private final Set<String> droppedTopics = new LinkedHashSet<>();
  long expiryTimer = -1;
  boolean closed;

  BrowserSocket(SockJSSocket socket, BrowserConnection connection, BrowserUser user, int maxMessages, long maxBytes) {
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

  void dropped(String topic) {
    dropping = true;
    droppedInEpisode++;
    droppedTopics.add(topic);
  }

  /** True once a drop episode is over: the queue has drained to half its bounds. */
  boolean recovered() {
    return dropping && queuedMessages <= maxMessages / 2 && queuedBytes <= maxBytes / 2;
  }

  int droppedInEpisode() {
    return droppedInEpisode;
  }

  Set<String> droppedTopics() {
    return droppedTopics;
  }

  void endEpisode() {
    dropping = false;
    droppedInEpisode = 0;
    droppedTopics.clear();
  }

  int queuedMessages() {
    return queuedMessages;
  }

  long queuedBytes() {
    return queuedBytes;
  }
}
