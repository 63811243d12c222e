package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import com.rethinkdb.gen.exc.ReqlDriverError;
import com.rethinkdb.gen.exc.ReqlOpFailedError;
import com.rethinkdb.gen.exc.ReqlQueryLogicError;
import com.rethinkdb.gen.exc.ReqlRuntimeError;
import io.feedbus.event.FeedbusException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RethinkDbErrorsTest {

  @Test
  void alreadyExistsCountsForDatabasesTablesAndIndexesEvenWhenWrapped() {
    assertThat(RethinkDbErrors.isAlreadyExists(new ReqlOpFailedError("Database `feedbus` already exists."))).isTrue();
    assertThat(RethinkDbErrors.isAlreadyExists(new CompletionException(
        new ReqlOpFailedError("Table `feedbus.events` already exists.")))).isTrue();
    assertThat(RethinkDbErrors.isAlreadyExists(new ReqlOpFailedError(
        "Index `topic_cursor` already exists on table `feedbus.events`."))).isTrue();
  }

  @Test
  void alreadyExistsNeedsTheOpFailedClass() {
    assertThat(RethinkDbErrors.isAlreadyExists(new ReqlQueryLogicError("Table `x` already exists."))).isFalse();
    assertThat(RethinkDbErrors.isAlreadyExists(new ReqlOpFailedError("Cannot perform write: primary replica not available"))).isFalse();
  }

  @Test
  void ambiguousTablesAreRecognised() {
    assertThat(RethinkDbErrors.isAmbiguousTable(new ReqlOpFailedError(
        "Table `feedbus.events` is ambiguous; there are multiple tables with that name."))).isTrue();
    assertThat(RethinkDbErrors.isAmbiguousTable(new ReqlOpFailedError("Table `feedbus.events` does not exist."))).isFalse();
  }

  @Test
  void connectionProblemsBecomeStoreUnavailable() {
    for (Throwable t : new Throwable[] {
        new ReqlDriverError("Client not connected."),
        new ReqlRuntimeError("Connection is closed."),
        new CompletionException(new ConnectException("Connection refused")),
        new ReqlDriverError(new IOException("Broken pipe")),
        new ReqlOpFailedError("Cannot perform write: primary replica for shard [\"\", +inf) not available")}) {
      FeedbusException e = RethinkDbErrors.toFeedbus("append", t);
      assertThat(e.status()).as(t.toString()).isEqualTo(503);
      assertThat(e.code()).isEqualTo("store_unavailable");
      assertThat(e.getMessage()).startsWith("append failed: ");
    }
  }

  @Test
  void queryMistakesAreInternalErrors() {
    FeedbusException e = RethinkDbErrors.toFeedbus("readAfter", new ReqlQueryLogicError("Index `x` was not found"));
    assertThat(e.status()).isEqualTo(500);
    assertThat(e.code()).isEqualTo("store_error");
  }

  @Test
  void feedbusExceptionsPassThrough() {
    FeedbusException original = FeedbusException.storeUnavailable("down", null);
    assertThat(RethinkDbErrors.toFeedbus("append", new CompletionException(original))).isSameAs(original);
  }
}
