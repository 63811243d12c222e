package io.feedbus.bridge;

import io.feedbus.auth.Authenticator;
import io.feedbus.auth.Caller;
import io.feedbus.event.Event;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.JsonText;
import io.feedbus.event.Topic;
import io.feedbus.publish.PublishRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's event handler: authenticates a socket when it opens, checks every frame a browser
 * sends against its rights and its socket's bounds (listeners; requests in flight, counted by
 * {@link BridgeRequests}), refusing with a coded reason, and writes outbound events and answers
 * through a bounded queue, dropping events for (or disconnecting) a browser that cannot keep up and
 * replacing answers that do not fit with a {@code slow_consumer} error.
 *
 * <p>Once it drops an event of a topic, it sends nothing more of that topic to the browser until it
 * has caught up and been told (on {@link #DROPPED_ADDRESS}). So the last event of the topic the
 * browser received comes before every dropped one, and a client that reads history after its last
 * cursor, from the notice on, gets every event exactly once, in order. Had the bridge gone on
 * writing after a drop, the browser would have moved past the gap before hearing of it.
 */
public final class BrowserBridge implements Handler<BridgeEvent> {

  /**
   * Where the bridge tells a browser that events were dropped: {@code {dropped, topics, firstDropped,
   * message}}, {@code firstDropped} mapping each topic to its first dropped event's {@code {cursor, ts}}.
   * Nothing of those topics was sent after their first dropped event, and this notice comes before
   * anything of them that follows.
   */
  public static final String DROPPED_ADDRESS = "feedbus.bridge.dropped";
  /** Where the bridge tells a browser why it is about to close the connection: {@code {code, reason}}. */
  public static final String CLOSING_ADDRESS = "feedbus.bridge.closing";
  /**
   * Where a browser gets the messages sent to its own connection ({@code /connections/send}): the
   * bridge writes them to that socket alone, so no browser can listen to another's.
   */
  public static final String DIRECT_ADDRESS = "feedbus.direct";
  /** The query parameter carrying a browser's JWT: {@code /eventbus?access_token=...}. */
  public static final String TOKEN_PARAM = "access_token";

  private static final Logger LOG = LoggerFactory.getLogger(BrowserBridge.class);

  private final Vertx vertx;
  private final Authenticator auth;
  private final BridgeOptions options;
  private final BridgeObserver observer;
  private final BridgeSockets sockets;
  private final BridgeRequests requests;
  private final TopicFanout fanout;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder disconnected = new LongAdder();
  private final LongAdder refused = new LongAdder();

  public BrowserBridge(Vertx vertx, Authenticator auth, BridgeOptions options, BridgeObserver observer, BridgeSockets.Listener listener) {
    this.vertx = vertx;
    this.auth = auth;
    this.options = options;
    this.observer = observer;
    this.sockets = new BridgeSockets(listener);
    this.requests = new BridgeRequests(vertx, sockets, options.maxRequestsInFlight, (browser, code) -> countRefusal(browser, code));
    this.fanout = new TopicFanout(vertx, this::deliver);
  }

  /** Where the bridge sends the browsers' requests to publish and history (the bridge's inbound permission). */
  String requestAddress() {
    return requests.address();
  }

  @Override
  public void handle(BridgeEvent event) {
    try {
      switch (event.type()) {
        case SOCKET_CREATED:
          onCreated(event);
          break;
        case SOCKET_CLOSED:
          onClosed(event.socket());
          event.complete(true);
          break;
        case SEND:
        case PUBLISH:
        case REGISTER:
        case UNREGISTER:
          onInbound(event);
          break;
        case RECEIVE:
          onReceive(event);
          break;
        default:
          event.complete(true);
      }
    } catch (RuntimeException e) {
      LOG.warn("bridge event {} failed: {}", event.type(), e.toString(), e);
      event.tryComplete(false);
    }
  }

  private void onCreated(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    // Frames that arrive while the token is checked wait for the bridge to take the socket over.
    socket.pause();
    sockets.admitting(socket);
    // Vert.x listens for the socket's close only once SOCKET_CREATED is complete: until then, we do.
    socket.closeHandler(v -> sockets.remove(socket));
    authenticate(socket)
        .onFailure(e -> sockets.refused(socket))
        .compose(user -> {
          BrowserSocket browser = new BrowserSocket(socket,
              new BrowserConnection(UUID.randomUUID().toString(), user.uid(), String.valueOf(socket.remoteAddress()), System.currentTimeMillis(),
                  socket.uri() == null ? Map.of() : new QueryStringDecoder(socket.uri()).parameters(), user.fields()),
              user, options.maxQueuedMessages, options.maxWriteQueueBytes, this::afterFlush);
          return sockets.admit(browser).map(browser);
        })
        .onComplete(ar -> {
          if (ar.succeeded()) {
            watchExpiry(ar.result());
            event.complete(true);
          } else if (ar.cause() instanceof BridgeSockets.ClosedWhileAdmitted) {
            LOG.debug("browser {} left while it was being admitted", socket.remoteAddress());
            event.complete(false);
          } else {
            String reason = ar.cause().getMessage();
            LOG.info("refused browser {}: {}", socket.remoteAddress(), reason);
            writeClosing(socket, 4401, reason);
            // The close code says it too: a client whose connect races the close may never read the frame.
            socket.close(4401, closeReason(reason));
            event.complete(false);
          }
          socket.resume();
        });
  }

  /** The socket's credential: an {@code Authorization} header (non-browser clients), else the {@code access_token} parameter. */
  private Future<Caller> authenticate(SockJSSocket socket) {
    String header = socket.headers() == null ? null : socket.headers().get("Authorization");
    if (header != null && !header.isBlank()) {
      return auth.authenticateHeader(header);
    }
    List<String> values = socket.uri() == null ? null : new QueryStringDecoder(socket.uri()).parameters().get(TOKEN_PARAM);
    return auth.authenticateToken(values == null || values.isEmpty() ? null : values.get(0));
  }

  private void watchExpiry(BrowserSocket browser) {
    if (browser.user.expiresAtMillis() > 0) {
      long delay = Math.max(1, browser.user.expiresAtMillis() - System.currentTimeMillis());
      browser.expiryTimer = vertx.setTimer(delay, id -> disconnect(browser, 4401, "token_expired",
          "the access token expired; reconnect with a fresh one"));
    }
  }

  private void onClosed(SockJSSocket socket) {
    BrowserSocket browser = sockets.get(socket);
    if (browser != null) {
      if (browser.expiryTimer >= 0) {
        vertx.cancelTimer(browser.expiryTimer);
      }
      // Vert.x unregistered each of them just before (UNREGISTER); this is for any it did not know of.
      for (String address : browser.listening()) {
        String topic = TopicFanout.topicOf(address);
        if (topic != null) {
          fanout.leave(topic, browser);
        }
      }
    }
    sockets.remove(socket);
  }

  private void onInbound(BridgeEvent event) {
    BrowserSocket browser = sockets.get(event.socket());
    JsonObject frame = event.getRawMessage();
    if (browser == null) {
      event.complete(false);
      return;
    }
    String address = frame.getString("address");
    if (event.type() == BridgeEventType.UNREGISTER && address != null && address.startsWith(TopicFanout.REGISTRATION_PREFIX)) {
      // Vert.x unregisters a closing socket's registrations by the address it keeps them on.
      address = Topic.address(TopicFanout.topicOf(address));
    }
    FeedbusException refusal = BridgePermissions.check(event.type(), address, frame.getValue("body"), browser.user);
    if (refusal == null && event.type() == BridgeEventType.REGISTER && !browser.listen(address, options.maxSubscriptionsPerSocket)) {
      refusal = new FeedbusException(429, "too_many_subscriptions", "this connection listens on "
          + options.maxSubscriptionsPerSocket + " addresses already (bridge.maxSubscriptionsPerSocket); unregister one first");
    }
    if (refusal != null) {
      countRefusal(browser, refusal.code());
      LOG.debug("refused {} {} from {}: {}", event.type(), address, browser.connection.uid(), refusal.getMessage());
      // The bridge itself would only say "rejected": tell the browser why, on the reply address when
      // it waits for one, else on the address it used (its error handler for that address or onerror).
      String replyAddress = frame.getString("replyAddress");
      JsonObject error = BridgeRequests.errorFrame(replyAddress != null && replyAddress.length() <= 36 ? replyAddress : address,
          refusal.status(), "RECIPIENT_FAILURE", refusal.code() + ": " + refusal.getMessage());
      event.socket().write(Buffer.buffer(error.encode()));
      event.complete(false);
      return;
    }
    // Frame headers are the browser's business; they are not forwarded onto the bus.
    frame.remove("headers");
    if (event.type() == BridgeEventType.UNREGISTER) {
      browser.unlisten(address);
    }
    if (address != null && address.startsWith(Topic.ADDRESS_PREFIX)) {
      String topic = address.substring(Topic.ADDRESS_PREFIX.length());
      if (event.type() == BridgeEventType.REGISTER) {
        fanout.join(topic, browser);
        sockets.listener().joined(browser.connection, topic);
      } else if (event.type() == BridgeEventType.UNREGISTER) {
        fanout.leave(topic, browser);
        sockets.listener().left(browser.connection, topic);
      }
      if (event.type() == BridgeEventType.REGISTER || event.type() == BridgeEventType.UNREGISTER) {
        // The topic's events reach the browser through the fan-out; Vert.x keeps its registration where nothing comes.
        frame.put("address", TopicFanout.registrationAddress(topic));
      }
    }
    if (event.type() == BridgeEventType.SEND) {
      // Through the bound on requests in flight, to this node's service: its own browsers are never
      // answered by a remote node, or a dead one.
      frame.put("address", requests.address()).put("headers", BridgeRequests.headers(browser, address));
    }
    event.setRawMessage(frame);
    event.complete(true);
  }

  private void countRefusal(BrowserSocket browser, String code) {
    refused.increment();
    observer.refused(browser.connection, code);
  }

  private void onReceive(BridgeEvent event) {
    BrowserSocket browser = sockets.get(event.socket());
    // The frame is written here, through the bounded queue, so the bridge must not write it again.
    event.complete(false);
    if (browser == null || browser.closed) {
      return;
    }
    JsonObject frame = event.getRawMessage();
    if (BridgeRequests.isAnswer(frame)) {
      writeAnswer(browser, frame);
      return;
    }
    // Topics' events come through the fan-out (deliver): what comes here is presence notices.
    browser.write(Buffer.buffer(frame.encode()));
  }

  /**
   * Writes an event of {@code topic}, framed once for all its browsers, to one browser through its
   * bounded queue; drops it (or disconnects the browser) when the queue is full or the topic is
   * skipped in a drop episode.
   */
  private void deliver(BrowserSocket browser, String topic, Event event, Buffer frame) {
    if (browser.closed) {
      return;
    }
    if (browser.full() || browser.skipping(topic)) {
      if (options.slowConsumerPolicy == BridgeOptions.SlowConsumerPolicy.disconnect) {
        disconnect(browser, 4408, "slow_consumer", "the browser reads slower than its events arrive: "
            + browser.queuedMessages() + " messages / " + browser.queuedBytes() + " bytes not yet delivered");
      } else {
        browser.dropped(topic, event);
        dropped.increment();
        observer.dropped(browser.connection, 1);
      }
      return;
    }
    browser.write(frame);
  }

  /** Sockets of this node listening on {@code topic} (what the fan-out writes each of its events to). */
  int listening(String topic) {
    return fanout.listening(topic);
  }

  /** Bus consumers that feed {@code topic}'s sockets on this node: one per event loop, however many sockets. */
  int topicConsumers(String topic) {
    return fanout.consumers(topic);
  }

  /**
   * Writes the answer to a browser's request through its bounded queue. An answer that would take the
   * queue past its bounds (unless it is empty: one answer always fits) is replaced by a 503
   * {@code slow_consumer}: never dropped, since the browser waits for it, and never buffered beyond
   * the bounds. Answers no larger than that error (acks, errors) are written as they are: replacing
   * them would save nothing, and an ack says what a publish did.
   */
  private void writeAnswer(BrowserSocket browser, JsonObject reply) {
    writeAnswer(browser, Buffer.buffer(BridgeRequests.answerFrame(reply).encode()), reply.getString("address"));
  }

  private void writeAnswer(BrowserSocket browser, Buffer answer, String replyAddress) {
    if (!browser.fits(answer.length())) {
      String message = "slow_consumer: the answer (" + answer.length() + " bytes) does not fit this connection's write queue ("
          + browser.queuedMessages() + " messages / " + browser.queuedBytes() + " bytes not yet delivered; bounds bridge.maxQueuedMessages "
          + options.maxQueuedMessages + " / bridge.maxWriteQueueBytes " + options.maxWriteQueueBytes + "); ask again once it has drained";
      Buffer slow = Buffer.buffer(BridgeRequests.errorFrame(replyAddress, 503, "RECIPIENT_FAILURE", message).encode());
      if (slow.length() < answer.length()) {
        countRefusal(browser, "slow_consumer");
        LOG.debug("browser {} ({}): {}", browser.connection.connectionId(), browser.connection.uid(), message);
        answer = slow;
      }
    }
    browser.answered();
    browser.write(answer);
  }

  /**
   * Takes a browser's publish ({@code send} to {@code feedbus.publish}) off Vert.x's bridge when it
   * is allowed and within the socket's bound on requests in flight: publishes it on this node
   * ({@link PublishRequest#send}) and writes the ack, or the coded failure, to the reply address
   * through the socket's bounded queue. The bridge would parse the frame, run its hook and its
   * permission match, send it over the bus to {@link BridgeRequests} and back, then frame the reply:
   * a fifth more CPU per publish than the same publish over HTTP. Returns false for every other
   * frame, and for a publish it would refuse, which the bridge then handles as before.
   */
  boolean publishDirectly(SockJSSocket socket, Buffer data) {
    BrowserSocket browser = sockets.get(socket);
    if (browser == null || browser.closed || data.length() < 32) {
      return false;
    }
    JsonObject frame;
    String replyAddress;
    try {
      frame = new JsonObject(data);
      if (!"send".equals(frame.getValue("type")) || !PublishRequest.ADDRESS.equals(frame.getValue("address"))) {
        return false;
      }
      replyAddress = frame.getString("replyAddress");
    } catch (RuntimeException notJsonOrWrongTypes) {
      return false;
    }
    Object body = frame.getValue("body");
    if (!(body instanceof JsonObject request) || BridgePermissions.check(BridgeEventType.SEND, PublishRequest.ADDRESS, body, browser.user) != null
        || !browser.startRequest(options.maxRequestsInFlight)) {
      return false;
    }
    PublishRequest.send(vertx, request, BridgeRequests.TIMEOUT_MILLIS).onComplete((ack, failure) -> {
      browser.endRequest();
      if (replyAddress == null || browser.closed) {
        return;
      }
      Buffer answer;
      if (failure == null) {
        answer = Buffer.buffer("{\"type\":\"rec\",\"address\":" + JsonText.encode(replyAddress) + ",\"body\":" + ack.encode() + "}");
      } else {
        ReplyException coded = failure instanceof ReplyException r ? r : FeedbusException.from(failure).toReply();
        answer = Buffer.buffer(BridgeRequests.errorFrame(replyAddress, coded.failureCode(), coded.failureType().name(), coded.getMessage()).encode());
      }
      writeAnswer(browser, answer, replyAddress);
    });
    return true;
  }

  private void afterFlush(BrowserSocket browser) {
    if (browser.recovered() && !browser.closed) {
      JsonObject notice = new JsonObject()
          .put("dropped", browser.droppedInEpisode())
          .put("topics", new JsonArray(List.copyOf(browser.firstDropped().keySet())))
          .put("firstDropped", new JsonObject(new LinkedHashMap<>(browser.firstDropped())))
          .put("message", browser.droppedInEpisode() + " events were not sent because this connection was too slow,"
              + " and nothing of these topics after the first of them; read history after your last cursor to catch up");
      LOG.info("browser {} ({}) missed {} events on {} while slow", browser.connection.connectionId(), browser.connection.uid(),
          browser.droppedInEpisode(), browser.firstDropped().keySet());
      browser.endEpisode();
      browser.socket.write(Buffer.buffer(new JsonObject().put("type", "rec").put("address", DROPPED_ADDRESS).put("body", notice).encode()));
    }
  }

  private void disconnect(BrowserSocket browser, int code, String reason, String message) {
    if (browser.closed) {
      return;
    }
    disconnected.increment();
    observer.disconnected(browser.connection, reason);
    LOG.info("disconnecting browser {} ({}): {}: {}", browser.connection.connectionId(), browser.connection.uid(), reason, message);
    writeClosing(browser.socket, code, reason + ": " + message);
    browser.closed = true;
    browser.socket.close(code, reason);
  }

  /** A WebSocket close reason: at most 123 bytes of UTF-8, so the first 120 ASCII characters of {@code reason}. */
  static String closeReason(String reason) {
    String ascii = String.valueOf(reason).replaceAll("[^\\x20-\\x7e]", "?");
    return ascii.length() <= 120 ? ascii : ascii.substring(0, 120);
  }

  private static void writeClosing(SockJSSocket socket, int code, String reason) {
    JsonObject frame = new JsonObject().put("type", "rec").put("address", CLOSING_ADDRESS)
        .put("body", new JsonObject().put("code", code).put("reason", reason));
    socket.write(Buffer.buffer(frame.encode()));
  }

  /** Closes one browser connection, telling it why first (the connection registry's close orders); false when it is not open here. */
  public boolean disconnect(String connectionId, int code, String reason, String message) {
    BrowserSocket browser = sockets.byConnectionId(connectionId);
    if (browser == null) {
      return false;
    }
    disconnect(browser, code, reason, message);
    return true;
  }

  /**
   * Writes a message sent to one browser's connection ({@code /connections/send}) to it, on
   * {@link #DIRECT_ADDRESS}, through its bounded queue; fails when the browser is not open here or
   * cannot take more.
   */
  public void direct(String connectionId, Object payload) {
    BrowserSocket browser = sockets.byConnectionId(connectionId);
    if (browser == null || browser.closed) {
      throw new IllegalStateException("browser " + connectionId + " is not connected here");
    }
    if (browser.full()) {
      throw new IllegalStateException("the browser reads too slowly");
    }
    browser.write(Buffer.buffer(new JsonObject().put("type", "rec").put("address", DIRECT_ADDRESS).put("body", payload).encode()));
  }

  /**
   * Disconnects every browser, telling each why on {@code feedbus.bridge.closing} first (how a node
   * that shuts down says goodbye). Call it on the bridge's context.
   */
  public Future<Void> closeAll(int code, String reason, String message) {
    for (BrowserSocket browser : sockets.all()) {
      disconnect(browser, code, reason, message);
    }
    return Future.succeededFuture();
  }

  /** The open bridge sockets (the seam for the connection registry). */
  public BridgeSockets sockets() {
    return sockets;
  }

  /** Events not written to slow browsers since start. */
  public long droppedCount() {
    return dropped.sum();
  }

  /** Browsers the bridge disconnected (slow, token expired) since start. */
  public long disconnectedCount() {
    return disconnected.sum();
  }

  /** Frames refused for want of rights since start. */
  public long refusedCount() {
    return refused.sum();
  }
}
