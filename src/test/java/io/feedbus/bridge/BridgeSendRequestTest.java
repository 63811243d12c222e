package io.feedbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the HTTP transports' send requests may carry: read up to {@code bridge.maxSendRequestBytes}, refused beyond. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BridgeSendRequestTest {

  @Test
  void aSendRequestOverTheLimitIsRefusedWith413AndOneUnderItReachesTheTransport(Vertx vertx, VertxTestContext ctx) {
    BridgeOptions options = new BridgeOptions();
    options.maxSendRequestBytes = 1024;
    HttpClient http = vertx.createHttpClient();
    String frame = "[\"{\\\"type\\\":\\\"ping\\\"}\"]";
    BridgeTestServer.start(vertx, options, BridgeObserver.NONE, router -> { })
        .compose(server -> status(http, server, Buffer.buffer("[\"" + "x".repeat(2048) + "\"]"))
            .compose(tooLarge -> status(http, server, Buffer.buffer(frame)).map(small -> new int[] {tooLarge, small})))
        .onComplete(ctx.succeeding(statuses -> ctx.verify(() -> {
          assertThat(statuses[0]).as("over the limit").isEqualTo(413);
          // Under it the body is read and the XHR transport answers: no such session.
          assertThat(statuses[1]).as("under the limit").isEqualTo(404);
          ctx.completeNow();
        })));
  }

  private static io.vertx.core.Future<Integer> status(HttpClient http, BridgeTestServer server, Buffer body) {
    return http.request(HttpMethod.POST, server.server.actualPort(), "127.0.0.1", "/eventbus/000/no-such-session/xhr_send")
        .compose(request -> request.putHeader("content-type", "text/plain").send(body))
        .map(response -> response.statusCode());
  }
}
