package io.feedbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One HTTP publisher as {@code wrk} is one: a keep-alive connection that writes each POST as one
 * buffer and reads the answer's status line, {@code Content-Length} and body, nothing more. The
 * broker does the same work as for any client; the bench's own CPU per publish (on the same two
 * cores as the broker) is a fraction of Vert.x's {@code HttpClient}'s, as the NATS client's is.
 */
final class HttpPublisher {

  private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final NetSocket socket;
  private final String host;
  private Buffer received = Buffer.buffer();
  // The first publish of a loop is written from the bench's thread, the answers arrive on the socket's.
  private volatile Promise<Void> waiting;

  private HttpPublisher(NetSocket socket, String host) {
    this.socket = socket;
    this.host = host;
    socket.handler(this::received);
    socket.closeHandler(v -> fail("the broker closed the publisher's connection"));
    socket.exceptionHandler(e -> fail("the publisher's connection failed: " + e));
  }

  static Future<HttpPublisher> connect(NetClient client, String host, int port) {
    return client.connect(port, host).map(socket -> new HttpPublisher(socket, host + ":" + port));
  }

  /** POSTs {@code {"payload": payload}} to the topic; succeeds on the broker's 201 (its ack). */
  Future<Void> publish(String topic, Object payload) {
    byte[] body = new JsonObject().put("payload", payload).encode().getBytes(StandardCharsets.UTF_8);
    String head = "POST /topics/" + topic + "/events HTTP/1.1\r\nhost: " + host + "\r\ncontent-type: application/json\r\n"
        + "content-length: " + body.length + "\r\n\r\n";
    Promise<Void> promise = Promise.promise();
    waiting = promise;
    socket.write(Buffer.buffer(head.length() + body.length).appendString(head, "US-ASCII").appendBytes(body));
    return promise.future();
  }

  private void received(Buffer data) {
    received.appendBuffer(data);
    int headEnd = indexOf(received, HEAD_END);
    if (headEnd < 0) {
      return;
    }
    String head = received.getString(0, headEnd, "US-ASCII");
    int length = contentLength(head);
    int total = headEnd + HEAD_END.length + Math.max(length, 0);
    if (length < 0) {
      fail("the broker's answer has no content-length: " + head);
      return;
    }
    if (received.length() < total) {
      return;
    }
    Buffer answerBody = received.getBuffer(headEnd + HEAD_END.length, total);
    received = received.length() == total ? Buffer.buffer() : received.getBuffer(total, received.length());
    Promise<Void> w = waiting;
    waiting = null;
    if (w == null) {
      return;
    }
    if (head.startsWith("HTTP/1.1 201 ")) {
      w.complete();
    } else {
      w.fail("publish answered " + head.substring(0, Math.max(0, head.indexOf('\r'))) + ": " + answerBody);
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        return Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    return -1;
  }

  private static int indexOf(Buffer buffer, byte[] needle) {
    outer:
    for (int i = 0; i <= buffer.length() - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buffer.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void fail(String why) {
    Promise<Void> w = waiting;
    waiting = null;
    if (w != null) {
      w.tryFail(why);
    }
  }

  Future<Void> close() {
    return socket.close();
  }

  void loop(String topic, AtomicInteger next, int total, Latencies acks, Promise<Void> done) {
    EndToEndBench.publishLoop(this::publish, topic, next, total, acks, done);
  }
}
