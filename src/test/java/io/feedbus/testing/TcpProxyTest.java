package io.feedbus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The outage-test proxy against a local echo server: no database needed. */
@ExtendWith(VertxExtension.class)
class TcpProxyTest {

  private NetServer echo;
  private TcpProxy proxy;
  private NetClient client;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    echo = vertx.createNetServer().connectHandler(socket -> socket.handler(socket::write));
    echo.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    proxy = TcpProxy.start(vertx, "127.0.0.1", echo.actualPort()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = vertx.createNetClient();
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    echo.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void forwardsBytesBothWays(VertxTestContext test) {
    client.connect(proxy.port(), "127.0.0.1").onComplete(test.succeeding(socket -> {
      Buffer received = Buffer.buffer();
      socket.handler(chunk -> {
        received.appendBuffer(chunk);
        if (received.length() == 5) {
          test.verify(() -> assertThat(received.toString()).isEqualTo("hello"));
          socket.close();
          test.completeNow();
        }
      });
      socket.write("hello");
    }));
  }

  @Test
  void dropAllClosesEveryOpenConnection(VertxTestContext test) {
    client.connect(proxy.port(), "127.0.0.1").onComplete(test.succeeding(socket -> {
      socket.closeHandler(v -> test.verify(() -> {
        assertThat(proxy.open()).isZero();
        test.completeNow();
      }));
      // Once an echo comes back the connection is forwarded: cut it.
      socket.handler(chunk -> proxy.dropAll());
      socket.write("ping");
    }));
  }

  @Test
  void whilePausedNewConnectionsAreClosedAndAfterResumeTheyWorkAgain(VertxTestContext test) {
    proxy.pause();
    client.connect(proxy.port(), "127.0.0.1").onComplete(test.succeeding(refused -> {
      java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
      Runnable afterRefusal = () -> {
        if (!once.compareAndSet(false, true)) {
          return;
        }
        proxy.resume();
        client.connect(proxy.port(), "127.0.0.1").onComplete(test.succeeding(socket -> {
          socket.handler(chunk -> {
            test.verify(() -> assertThat(proxy.accepted()).isEqualTo(2));
            socket.close();
            test.completeNow();
          });
          socket.write("again");
        }));
      };
      refused.closeHandler(v -> afterRefusal.run());
      // The proxy may close it before this callback runs, and a close handler set afterwards is never called.
      if (!((io.vertx.core.net.impl.ConnectionBase) refused).channel().isActive()) {
        afterRefusal.run();
      }
    }));
  }
}
