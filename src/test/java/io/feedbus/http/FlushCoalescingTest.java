package io.feedbus.http;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Writes made outside a read (as SSE events and bridge frames are) leave in one flush per turn of
 * the event loop, at most {@link LoopFlushCoalescer#FLUSH_AFTER_WRITES} writes apart, and a response
 * ended right after them loses none.
 */
class FlushCoalescingTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  private HttpServer server(int chunks, AtomicInteger flushes) throws Exception {
    return await(vertx.createHttpServer()
        .connectionHandler(connection -> {
          HttpVerticle.tuneConnection(connection);
          // Nearer the socket than the coalescing handler: counts the flushes that reach it.
          ((ConnectionBase) connection).channel().pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
              flushes.incrementAndGet();
              ctx.flush();
            }
          });
        })
        .requestHandler(request -> {
          request.response().setChunked(true);
          // From a timer, not from the request's read: every write would otherwise flush on its own.
          vertx.setTimer(10, t -> {
            flushes.set(0);
            for (int i = 0; i < chunks; i++) {
              request.response().write("chunk " + i + "\n");
            }
            request.response().end();
          });
        })
        .listen(0, "127.0.0.1"));
  }

  private static void assertAllChunks(String body, int chunks) {
    String[] lines = body.split("\n");
    assertThat(lines).hasSize(chunks);
    for (int i = 0; i < chunks; i++) {
      assertThat(lines[i]).isEqualTo("chunk " + i);
    }
  }

  @Test
  void chunksWrittenInOneTurnAreFlushedTogetherAndAllArrive() throws Exception {
    int chunks = 200;
    AtomicInteger flushes = new AtomicInteger();
    HttpServer server = server(chunks, flushes);
    HttpClient client = vertx.createHttpClient();
    try {
      Buffer body = await(client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
          .compose(request -> request.send()).compose(response -> response.body()));
      assertAllChunks(body.toString(), chunks);
      // 201 writes: one flush per 64 of them and one at the end of the turn, not one each.
      assertThat(flushes.get()).isBetween(1, (chunks + 1) / LoopFlushCoalescer.FLUSH_AFTER_WRITES + 2);
    } finally {
      await(client.close());
      await(server.close());
    }
  }

  @Test
  void aConnectionClosedRightAfterItsWritesLosesNone() throws Exception {
    int chunks = 50;
    HttpServer server = server(chunks, new AtomicInteger());
    io.vertx.core.net.NetClient net = vertx.createNetClient();
    try {
      io.vertx.core.net.NetSocket socket = await(net.connect(server.actualPort(), "127.0.0.1"));
      Buffer received = Buffer.buffer();
      io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
      socket.handler(received::appendBuffer);
      socket.closeHandler(v -> closed.tryComplete());
      // The server ends the response and closes in the same turn as its writes.
      socket.write("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
      await(closed.future());
      String text = received.toString();
      StringBuilder body = new StringBuilder();
      // Chunked transfer: every chunk's data line follows its size line.
      for (String line : text.substring(text.indexOf("\r\n\r\n") + 4).split("\r\n")) {
        if (line.startsWith("chunk ")) {
          body.append(line);
        }
      }
      assertAllChunks(body.toString(), chunks);
    } finally {
      await(net.close());
      await(server.close());
    }
  }
}
