package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.event.FeedbusException;
import io.feedbus.store.rethinkdb.wire.ReqlError;
import org.junit.jupiter.api.Test;

class RethinkDbErrorsTest {

  private static ReqlError opFailed(String message) {
    return new ReqlError(ReqlError.Kind.RUNTIME, ReqlError.OP_FAILED, message, null, null);
  }

  @Test
  void alreadyExistsCountsForDatabasesTablesAndIndexes() {
    assertThat(RethinkDbErrors.isAlreadyExists(opFailed("Database `feedbus` already exists."))).isTrue();
    assertThat(RethinkDbErrors.isAlreadyExists(opFailed("Table `feedbus.events` already exists."))).isTrue();
    assertThat(RethinkDbErrors.isAlreadyExists(opFailed("Index `topic_cursor` already exists on table `feedbus.events`."))).isTrue();
  }

  @Test
  void alreadyExistsNeedsAnOpFailedError() {
    assertThat(RethinkDbErrors.isAlreadyExists(new ReqlError(ReqlError.Kind.RUNTIME, ReqlError.QUERY_LOGIC,
        "Table `x` already exists.", null, null))).isFalse();
    assertThat(RethinkDbErrors.isAlreadyExists(opFailed("Cannot perform write: primary replica not available"))).isFalse();
  }

  @Test
  void ambiguousTablesAreRecognised() {
    assertThat(RethinkDbErrors.isAmbiguousTable(opFailed("Table `feedbus.events` is ambiguous; there are multiple tables with that name."))).isTrue();
    assertThat(RethinkDbErrors.isAmbiguousTable(opFailed("Table `feedbus.events` does not exist."))).isFalse();
  }

  @Test
  void aFailureOfAnOperationNamesItWhateverTheLastFailureWas() {
    FeedbusException unreachable = FeedbusException.storeUnavailable("RethinkDB at 127.0.0.1:1 is unreachable; next attempt in 40 ms", null);
    FeedbusException told = RethinkDbErrors.failureOf("bootstrap, 7 attempts in 9 s,", unreachable);
    assertThat(told.status()).isEqualTo(503);
    assertThat(told.code()).isEqualTo("store_unavailable");
    assertThat(told.getMessage()).isEqualTo("bootstrap, 7 attempts in 9 s, failed: RethinkDB at 127.0.0.1:1 is unreachable; next attempt in 40 ms");
    assertThat(told.getCause()).isSameAs(unreachable);
    ReqlError lost = new ReqlError(ReqlError.Kind.CONNECTION, 0, "RethinkDB at 127.0.0.1:1 closed the connection", null, null);
    assertThat(RethinkDbErrors.failureOf("bootstrap", lost).getMessage()).isEqualTo(RethinkDbErrors.toFeedbus("bootstrap", lost).getMessage());
  }

  @Test
  void connectionProblemsAndUnavailableReplicasBecomeStoreUnavailable() {
    for (Throwable t : new Throwable[] {
        new ReqlError(ReqlError.Kind.CONNECTION, 0, "RethinkDB at 127.0.0.1:1 closed the connection", null, null),
        new ReqlError(ReqlError.Kind.RUNTIME, ReqlError.OP_INDETERMINATE, "Cannot perform write: lost contact with primary", null, null),
        opFailed("Cannot perform write: primary replica for shard [\"\", +inf) not available")}) {
      FeedbusException e = RethinkDbErrors.toFeedbus("append", t);
      assertThat(e.status()).as(t.toString()).isEqualTo(503);
      assertThat(e.code()).isEqualTo("store_unavailable");
      assertThat(e.getMessage()).startsWith("append failed: ");
    }
  }

  @Test
  void queryMistakesAreInternalErrors() {
    FeedbusException e = RethinkDbErrors.toFeedbus("readAfter",
        new ReqlError(ReqlError.Kind.RUNTIME, ReqlError.QUERY_LOGIC, "Index `x` was not found", null, null));
    assertThat(e.status()).isEqualTo(500);
    assertThat(e.code()).isEqualTo("store_error");
  }

  @Test
  void feedbusExceptionsPassThrough() {
    FeedbusException original = FeedbusException.storeUnavailable("down", null);
    assertThat(RethinkDbErrors.toFeedbus("append", original)).isSameAs(original);
  }
}
