package io.feedbus.store.rethinkdb.wire;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One connection to a RethinkDB server speaking its JSON wire protocol (V1_0, SCRAM-SHA-256) over a
 * Vert.x {@link NetSocket}: no thread of its own and nothing that blocks. Queries are multiplexed by
 * token; each query's result completes on the Vert.x context of the caller that ran it.
 *
 * <p>Frames: a query is {@code token:int64 LE, length:int32 LE, [1, term]}; a response is
 * {@code token, length, {"t": type, "r": [...], "n": [notes], "e": errorType}}.
 */
public final class ReqlConnection {

  private static final int V1_0 = 0x34c2bdc3;
  static final int START = 1;
  static final int CONTINUE = 2;
  static final int STOP = 3;

  static final int SUCCESS_ATOM = 1;
  static final int SUCCESS_SEQUENCE = 2;
  static final int SUCCESS_PARTIAL = 3;
  static final int CLIENT_ERROR = 16;
  static final int COMPILE_ERROR = 17;
  static final int RUNTIME_ERROR = 18;

  /** What a running query does with the responses to its token. */
  interface Receiver {
    void response(int type, JsonObject body);

    void failed(ReqlError error);
  }

  private final Vertx vertx;
  private final ReqlEndpoint endpoint;
  private final NetClient client;
  private final AtomicLong tokens = new AtomicLong();
  private final Map<Long, Receiver> receivers = new ConcurrentHashMap<>();
  private final Promise<Void> closed = Promise.promise();
  private final List<Consumer<ReqlError>> closeListeners = new ArrayList<>();
  private NetSocket socket;
  private volatile ReqlError closedBy;

  private ReqlConnection(Vertx vertx, ReqlEndpoint endpoint, NetClient client) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.client = client;
  }

  /**
   * Connects and authenticates; fails with a {@link ReqlError} of kind {@code CONNECTION} (or
   * {@code AUTH}) when that does not finish within {@code connectTimeoutMillis}.
   */
  public static Future<ReqlConnection> connect(Vertx vertx, ReqlEndpoint endpoint) {
    NetClientOptions options = new NetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, endpoint.connectTimeoutMillis()))
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true);
    if (endpoint.tls()) {
      options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
      if (endpoint.caCertFile() != null && !endpoint.caCertFile().isBlank()) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(endpoint.caCertFile()));
      }
    }
    NetClient client = vertx.createNetClient(options);
    ReqlConnection connection = new ReqlConnection(vertx, endpoint, client);
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    PromiseInternal<ReqlConnection> result = caller.promise();
    long timer = vertx.setTimer(endpoint.connectTimeoutMillis(), t -> result.tryFail(ReqlError.connection(
        "no connection to RethinkDB at " + endpoint.address() + " within " + endpoint.connectTimeoutMillis() + " ms", null)));
    client.connect(endpoint.port(), endpoint.host())
        .compose(socket -> connection.handshake(socket))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded() && result.tryComplete(connection)) {
            return;
          }
          Throwable cause = ar.failed() ? ar.cause() : null;
          if (ar.failed()) {
            result.tryFail(cause instanceof ReqlError ? cause : ReqlError.connection(
                "cannot connect to RethinkDB at " + endpoint.address() + ": " + describe(cause), cause));
          }
          connection.close();
        });
    return result.future();
  }

  public ReqlEndpoint endpoint() {
    return endpoint;
  }

  public boolean isOpen() {
    return socket != null && closedBy == null;
  }

  /** Completes when the connection has closed, for whatever reason. */
  public Future<Void> closeFuture() {
    return closed.future();
  }

  /** Called once, on the connection's context, with the reason the connection closed. */
  public synchronized void onClose(Consumer<ReqlError> listener) {
    if (closedBy != null) {
      listener.accept(closedBy);
    } else {
      closeListeners.add(listener);
    }
  }

  /**
   * Runs a query and completes with its whole result: the value of an atom, or a {@link JsonArray}
   * of every element of a sequence (fetched batch by batch). Not for change feeds: see {@link #stream}.
   *
   * <p>A query that gets no answer within {@code queryTimeoutMillis} fails, and the connection is
   * closed: a server that stopped answering (or a link that stopped carrying bytes without closing)
   * must not hold every later query too. Callers reconnect.
   */
  public Future<Object> run(ReqlTerm query) {
    return run(encode(query), endpoint.queryTimeoutMillis());
  }

  /** {@link #run(ReqlTerm)} with a time limit of its own (0: none). */
  public Future<Object> run(ReqlTerm query, long timeoutMillis) {
    return run(encode(query), timeoutMillis);
  }

  /** Runs a query already encoded with {@link #encode} (large writes encode off the event loop). */
  public Future<Object> run(Buffer encodedQuery, long timeoutMillis) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    PromiseInternal<Object> promise = caller.promise();
    long token = tokens.incrementAndGet();
    Collector collector = new Collector(token, promise);
    if (!register(token, collector)) {
      return promise.future();
    }
    if (timeoutMillis > 0) {
      collector.timer = vertx.setTimer(timeoutMillis, t -> {
        if (receivers.remove(token) != null) {
          ReqlError error = ReqlError.connection("no answer from RethinkDB at " + endpoint.address()
              + " within " + timeoutMillis + " ms", null);
          promise.tryFail(error);
          closed(error);
          close();
        }
      });
    }
    send(token, START, encodedQuery);
    return promise.future();
  }

  /**
   * Starts a query whose results arrive batch by batch (a change feed, or a sequence too large to
   * hold at once). Batches, the end and failures reach the stream's handlers on the caller's context.
   */
  public ReqlStream stream(ReqlTerm query) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    long token = tokens.incrementAndGet();
    return new ReqlStream(this, token, caller, encode(query));
  }

  /** The JSON text of a query term, ready for {@link #run(Buffer, long)}. */
  public static Buffer encode(ReqlTerm query) {
    return Json.encodeToBuffer(query.toWire());
  }

  /** Closes the connection; every query still running fails with a {@code CONNECTION} error. */
  public Future<Void> close() {
    if (socket != null) {
      socket.close();
    } else {
      closed(ReqlError.connection("the connection was closed", null));
    }
    return closed.future();
  }

  // ------------------------------------------------------------------ used by ReqlStream

  boolean register(long token, Receiver receiver) {
    ReqlError error = closedBy;
    if (error != null) {
      receiver.failed(error);
      return false;
    }
    receivers.put(token, receiver);
    // A close that raced with the put has already failed everything registered before it.
    if (closedBy != null && receivers.remove(token) != null) {
      receiver.failed(closedBy);
      return false;
    }
    return true;
  }

  void unregister(long token) {
    receivers.remove(token);
  }

  void send(long token, int type, Buffer term) {
    NetSocket s = socket;
    if (s == null || closedBy != null) {
      return;
    }
    Buffer frame = Buffer.buffer(16 + (term == null ? 0 : term.length()));
    frame.appendLongLE(token).appendIntLE(0);
    frame.appendByte((byte) '[').appendString(Integer.toString(type));
    if (term != null) {
      frame.appendByte((byte) ',').appendBuffer(term);
    }
    frame.appendByte((byte) ']');
    frame.setIntLE(8, frame.length() - 12);
    s.write(frame);
  }

  // ------------------------------------------------------------------ handshake and framing

  private Future<ReqlConnection> handshake(NetSocket socket) {
    this.socket = socket;
    Promise<ReqlConnection> done = Promise.promise();
    ScramSha256 scram = new ScramSha256(endpoint.user() == null ? "admin" : endpoint.user(), endpoint.password());
    int[] step = {0};
    RecordParser parser = RecordParser.newDelimited(Buffer.buffer(new byte[] {0}));
    parser.handler(message -> {
      if (done.future().isComplete()) {
        return;
      }
      try {
        JsonObject reply = handshakeReply(message);
        switch (step[0]++) {
          case 0:
            return; // protocol range: version 0 is all RethinkDB 2.3+ speaks
          case 1:
            String serverFirst = reply.getString("authentication");
            vertx.<String>executeBlocking(() -> scram.clientFinal(serverFirst), false)
                .onSuccess(clientFinal -> socket.write(Buffer.buffer(new JsonObject().put("authentication", clientFinal).encode())
                    .appendByte((byte) 0)))
                .onFailure(done::tryFail);
            return;
          default:
            scram.verifyServerFinal(reply.getString("authentication", ""));
            startFraming(parser);
            done.tryComplete(this);
        }
      } catch (RuntimeException e) {
        done.tryFail(e);
      }
    });
    socket.handler(parser);
    socket.closeHandler(v -> {
      ReqlError error = ReqlError.connection("RethinkDB at " + endpoint.address() + " closed the connection", null);
      done.tryFail(error);
      closed(error);
    });
    socket.exceptionHandler(e -> {
      ReqlError error = ReqlError.connection("connection to RethinkDB at " + endpoint.address() + " failed: " + describe(e), e);
      done.tryFail(error);
      closed(error);
      socket.close();
    });
    JsonObject first = new JsonObject()
        .put("protocol_version", 0)
        .put("authentication_method", "SCRAM-SHA-256")
        .put("authentication", scram.clientFirst());
    socket.write(Buffer.buffer().appendIntLE(V1_0).appendString(first.encode()).appendByte((byte) 0));
    return done.future();
  }

  private JsonObject handshakeReply(Buffer message) {
    String text = message.toString(StandardCharsets.UTF_8);
    JsonObject reply;
    try {
      reply = new JsonObject(text);
    } catch (RuntimeException notJson) {
      // Servers older than 2.3, or something that is not RethinkDB, answer in plain text.
      throw ReqlError.connection("RethinkDB at " + endpoint.address() + " refused the handshake: " + text, null);
    }
    if (!reply.getBoolean("success", false)) {
      Integer code = reply.getInteger("error_code");
      boolean auth = code != null && code >= 10 && code <= 20;
      throw new ReqlError(auth ? ReqlError.Kind.AUTH : ReqlError.Kind.CONNECTION, 0,
          "RethinkDB at " + endpoint.address() + " refused the handshake: " + reply.getString("error"), null, null);
    }
    return reply;
  }

  private void startFraming(RecordParser parser) {
    long[] token = {0};
    boolean[] header = {true};
    parser.fixedSizeMode(12);
    parser.handler(chunk -> {
      if (header[0]) {
        token[0] = chunk.getLongLE(0);
        int length = chunk.getIntLE(8);
        header[0] = false;
        parser.fixedSizeMode(length);
      } else {
        header[0] = true;
        parser.fixedSizeMode(12);
        dispatch(token[0], chunk);
      }
    });
  }

  private void dispatch(long token, Buffer json) {
    Receiver receiver = receivers.get(token);
    if (receiver == null) {
      return; // a query that timed out or was stopped
    }
    JsonObject body;
    int type;
    try {
      body = new JsonObject(json);
      type = body.getInteger("t");
    } catch (RuntimeException e) {
      receivers.remove(token);
      receiver.failed(ReqlError.connection("unreadable response from RethinkDB: " + describe(e), e));
      return;
    }
    receiver.response(type, body);
  }

  private void closed(ReqlError error) {
    List<Consumer<ReqlError>> listeners;
    synchronized (this) {
      if (closedBy != null) {
        return;
      }
      closedBy = error;
      listeners = new ArrayList<>(closeListeners);
      closeListeners.clear();
    }
    for (Long token : new ArrayList<>(receivers.keySet())) {
      Receiver receiver = receivers.remove(token);
      if (receiver != null) {
        receiver.failed(error);
      }
    }
    listeners.forEach(l -> l.accept(error));
    client.close();
    closed.tryComplete();
  }

  static ReqlError errorOf(int type, JsonObject body) {
    JsonArray r = body.getJsonArray("r");
    String message = r != null && !r.isEmpty() ? String.valueOf(r.getValue(0)) : "unknown error";
    ReqlError.Kind kind = type == CLIENT_ERROR ? ReqlError.Kind.CLIENT
        : type == COMPILE_ERROR ? ReqlError.Kind.COMPILE : ReqlError.Kind.RUNTIME;
    Integer errorType = body.getInteger("e");
    return new ReqlError(kind, errorType == null ? 0 : errorType, message, body.getJsonArray("b"), null);
  }

  static String describe(Throwable t) {
    if (t == null) {
      return "unknown failure";
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** Collects the batches of one {@link #run} into its result. */
  private final class Collector implements Receiver {
    private final long token;
    private final PromiseInternal<Object> promise;
    private JsonArray elements;
    private long timer = -1;

    Collector(long token, PromiseInternal<Object> promise) {
      this.token = token;
      this.promise = promise;
    }

    @Override
    public void response(int type, JsonObject body) {
      JsonArray r = body.getJsonArray("r", new JsonArray());
      switch (type) {
        case SUCCESS_ATOM:
          finish();
          promise.tryComplete(r.isEmpty() ? null : r.getValue(0));
          return;
        case SUCCESS_PARTIAL:
          append(r);
          send(token, CONTINUE, null);
          return;
        case SUCCESS_SEQUENCE:
          append(r);
          finish();
          promise.tryComplete(elements);
          return;
        default:
          finish();
          promise.tryFail(type >= CLIENT_ERROR ? errorOf(type, body)
              : ReqlError.connection("unexpected response type " + type + " from RethinkDB", null));
      }
    }

    private void append(JsonArray r) {
      if (elements == null) {
        elements = r;
      } else {
        elements.addAll(r);
      }
    }

    private void finish() {
      receivers.remove(token);
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }

    @Override
    public void failed(ReqlError error) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      promise.tryFail(error);
    }
  }
}
