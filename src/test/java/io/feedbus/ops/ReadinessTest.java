package io.feedbus.ops;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.feedbus.store.StoreStatus;
import io.feedbus.store.embedded.EmbeddedEventLog;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health} stays up; {@code /ready} follows the store's connection through the feed. */
@ExtendWith(VertxExtension.class)
class ReadinessTest {

  @TempDir
  Path dir;

  /** The embedded engine, whose change stream can also report what a networked store would. */
  static final class OutageLog implements EventLog {
    final EventLog delegate;
    volatile ChangeListener listener;
    final Vertx vertx;

    OutageLog(Vertx vertx, EventLog delegate) {
      this.vertx = vertx;
      this.delegate = delegate;
    }

    void report(StoreStatus.State state) {
      ChangeListener l = listener;
      vertx.runOnContext(v -> l.onStatus(StoreStatus.of(state, "outage-test", null)));
    }

    @Override public Future<Void> append(List<Event> events) { return delegate.append(events); }
    @Override public Future<List<Event>> readAfter(String topic, Cursor after, int limit) { return delegate.readAfter(topic, after, limit); }
    @Override public Future<List<Event>> readAllAfter(Cursor after, int limit) { return delegate.readAllAfter(after, limit); }
    @Override public Future<Cursor> latest() { return delegate.latest(); }
    @Override public Future<ChangeStream> changes(Cursor from, ChangeListener l) {
      listener = l;
      return delegate.changes(from, l);
    }
    @Override public Future<Void> delete(List<Event> events) { return delegate.delete(events); }
    @Override public Future<Long> purge(String topic) { return delegate.purge(topic); }
    @Override public Future<Long> trim(long olderThanTs) { return delegate.trim(olderThanTs); }
    @Override public boolean sharedAcrossNodes() { return false; }
    @Override public Future<Void> close() { return delegate.close(); }
  }

  private static int status(WebClient http, int port, String path) throws Exception {
    return await(http.get(port, "127.0.0.1", path).send()).statusCode();
  }

  private static void awaitStatus(WebClient http, int port, String path, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    int last;
    while ((last = status(http, port, path)) != expected) {
      assertThat(System.currentTimeMillis()).as(path + " should answer " + expected + " but answers " + last).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void readinessFlipsWhenTheStoreGoesAwayAndComesBack(Vertx vertx) throws Exception {
    OutageLog log = new OutageLog(vertx, await(EmbeddedEventLog.open(vertx, dir, true)));
    Feedbus node = await(Feedbus.start(vertx, TestNodes.options(dir), log));
    WebClient http = WebClient.create(vertx);
    try {
      int port = node.httpPort();
      awaitStatus(http, port, "/ready", 200);
      assertThat(status(http, port, "/health")).isEqualTo(200);

      log.report(StoreStatus.State.DISCONNECTED);
      awaitStatus(http, port, "/ready", 503);
      assertThat(await(http.get(port, "127.0.0.1", "/ready").send()).bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
      assertThat(status(http, port, "/health")).as("liveness does not depend on the store").isEqualTo(200);

      log.report(StoreStatus.State.RECONNECTED);
      awaitStatus(http, port, "/ready", 200);
    } finally {
      http.close();
      await(node.close());
    }
  }
}
