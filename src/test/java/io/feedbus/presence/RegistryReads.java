package io.feedbus.presence;

import static io.feedbus.testing.TestNodes.await;

import io.feedbus.testing.Credentials;
import io.feedbus.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.atomic.AtomicReference;

/** Reads a node's registry over HTTP with the API key of {@link Credentials}, as tests of who connected how. */
final class RegistryReads {

  private RegistryReads() {
  }

  /** The connections {@code GET /connections?<query>} lists, once there are {@code count} (registration is asynchronous). */
  static JsonArray connections(Vertx vertx, WebClient http, int port, String query, int count) throws Exception {
    AtomicReference<JsonArray> found = new AtomicReference<>();
    Waits.poll(vertx, () -> {
      found.set(await(http.get(port, "127.0.0.1", "/connections?" + query)
          .putHeader("Authorization", Credentials.API_KEY.authorization(vertx)).send()).bodyAsJsonObject().getJsonArray("connections"));
      return found.get().size() == count;
    });
    return found.get();
  }
}
