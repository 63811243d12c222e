package io.feedbus.store.rethinkdb.wire;

import static io.feedbus.testing.RethinkDbTesting.await;
import static io.feedbus.testing.RethinkDbTesting.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.feedbus.testing.RethinkDbTesting;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wire client against a real server: handshake, atoms, batched sequences, feeds, errors, time-outs. */
class ReqlConnectionTest {

  private RethinkDbOptions options;
  private Vertx vertx;
  private ReqlConnection connection;

  @BeforeEach
  void connect() throws Exception {
    RethinkDbTesting.assumeServer();
    options = RethinkDbTesting.freshOptions();
    vertx = Vertx.vertx();
    connection = await(ReqlConnection.connect(vertx, options.endpoint()));
  }

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      await(connection.close());
      await(vertx.close());
      RethinkDbTesting.dropDatabase(options);
    }
  }

  private ReqlTerm table() throws Exception {
    await(connection.run(Reql.dbCreate(options.database)));
    await(connection.run(Reql.db(options.database).tableCreate("t")));
    await(connection.run(Reql.db(options.database).table("t").waitReady()));
    return Reql.db(options.database).table("t");
  }

  @Test
  void atomsDecodeAsVertxJsonDoes() throws Exception {
    assertThat(await(connection.run(Reql.expr(2).add(3)))).isEqualTo(5);
    assertThat(await(connection.run(Reql.expr(0.5).add(1)))).isEqualTo(1.5);
    assertThat(await(connection.run(Reql.expr(new JsonObject().put("a", List.of(1, "x"))))))
        .isEqualTo(new JsonObject().put("a", new JsonArray().add(1).add("x")));
  }

  @Test
  void aSequenceLongerThanOneBatchIsCollectedWhole() throws Exception {
    ReqlTerm t = table();
    List<JsonObject> docs = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      docs.add(new JsonObject().put("id", String.format("%05d", i)).put("pad", "x".repeat(1_000)));
    }
    JsonObject summary = (JsonObject) await(connection.run(t.insert(Reql.arrayOfFlatObjects(docs))));
    assertThat(summary.getInteger("inserted")).isEqualTo(3_000);
    JsonArray all = (JsonArray) await(connection.run(t.orderBy().opt("index", "id").map(row -> row.g("id"))));
    assertThat(all).hasSize(3_000);
    assertThat(all.getString(0)).isEqualTo("00000");
    assertThat(all.getString(2_999)).isEqualTo("02999");
  }

  @Test
  void aChangeFeedStreamsBatchesUntilClosed() throws Exception {
    ReqlTerm t = table();
    List<Object> changes = new ArrayList<>();
    Promise<Void> three = Promise.promise();
    Promise<Void> ready = Promise.promise();
    vertx.runOnContext(v -> {
      ReqlStream feed = connection.stream(t.changes().opt("include_states", true));
      feed.handler(batch -> {
        for (Object element : batch) {
          JsonObject change = (JsonObject) element;
          if ("ready".equals(change.getString("state"))) {
            ready.tryComplete();
          } else if (change.containsKey("new_val")) {
            changes.add(change.getJsonObject("new_val").getValue("id"));
            if (changes.size() == 3) {
              three.tryComplete();
              feed.close();
            }
          }
        }
      });
      feed.start();
      feed.done().onComplete(ar -> changes.add(ar.succeeded() ? "ended" : "failed"));
    });
    await(ready.future());
    for (int i = 0; i < 3; i++) {
      await(connection.run(t.insert(new JsonObject().put("id", i))));
    }
    await(three.future());
    await(vertx.timer(200));
    assertThat(changes).containsExactly(0, 1, 2, "ended");
  }

  @Test
  void runtimeErrorsCarryTheirTypeAndTheServersMessage() throws Exception {
    Throwable userError = failureOf(connection.run(Reql.error("boom")));
    assertThat(userError).isInstanceOf(ReqlError.class).hasMessage("boom");
    assertThat(((ReqlError) userError).kind()).isEqualTo(ReqlError.Kind.RUNTIME);
    assertThat(((ReqlError) userError).errorType()).isEqualTo(ReqlError.USER);
    Throwable missing = failureOf(connection.run(Reql.db("feedbus_no_such_db").table("x")));
    assertThat(missing).hasMessageContaining("does not exist");
    assertThat(((ReqlError) missing).errorType()).isEqualTo(ReqlError.OP_FAILED);
    assertThat(connection.isOpen()).isTrue();
  }

  @Test
  void aWrongPasswordIsAnAuthenticationError() throws Exception {
    RethinkDbOptions wrong = RethinkDbTesting.copy(options);
    wrong.password = "not-the-password";
    Throwable failure = failureOf(ReqlConnection.connect(vertx, wrong.endpoint()));
    assertThat(failure).isInstanceOf(ReqlError.class);
    assertThat(((ReqlError) failure).kind()).isEqualTo(ReqlError.Kind.AUTH);
  }

  @Test
  void nothingListeningIsAConnectionError() throws Exception {
    RethinkDbOptions nowhere = RethinkDbTesting.through(options, 1);
    Throwable failure = failureOf(ReqlConnection.connect(vertx, nowhere.endpoint()));
    assertThat(failure).isInstanceOf(ReqlError.class);
    assertThat(((ReqlError) failure).kind()).isEqualTo(ReqlError.Kind.CONNECTION);
    assertThat(((ReqlError) failure).retryable()).isTrue();
  }

  @Test
  void aQueryWithoutAnswerTimesOutAndClosesTheConnection() throws Exception {
    ReqlTerm t = table();
    // A feed run as a plain query never completes: the server holds each CONTINUE until a change.
    Throwable failure = failureOf(connection.run(t.changes(), 300));
    assertThat(failure).isInstanceOf(ReqlError.class).hasMessageContaining("no answer");
    await(connection.closeFuture());
    assertThat(connection.isOpen()).isFalse();
    Throwable afterwards = failureOf(connection.run(Reql.expr(1)));
    assertThat(((ReqlError) afterwards).kind()).isEqualTo(ReqlError.Kind.CONNECTION);
  }

  @Test
  void closingFailsTheQueriesStillRunning() throws Exception {
    ReqlTerm t = table();
    var pending = connection.run(t.changes(), 0);
    await(vertx.timer(100));
    await(connection.close());
    Throwable failure = failureOf(pending);
    assertThat(((ReqlError) failure).kind()).isEqualTo(ReqlError.Kind.CONNECTION);
  }
}
