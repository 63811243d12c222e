package io.feedbus.testing;

import io.feedbus.event.Cursor;
import io.feedbus.event.Event;
import io.feedbus.store.ChangeListener;
import io.feedbus.store.ChangeStream;
import io.feedbus.store.EventLog;
import io.feedbus.store.StoreStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * An engine wrapper whose change stream can report store notices on demand (disconnected,
 * reconnected, ...) through the same listener path a real engine uses, and whose page reads a test
 * may hold after they read ({@link #holdPages}); everything else is the wrapped engine's.
 */
public final class SwitchableStatusEventLog implements EventLog {

  private final EventLog delegate;
  private volatile ChangeListener listener;
  private volatile Context context;
  private volatile java.util.function.Function<Page, Future<Void>> pageGate = page -> Future.succeededFuture();

  public SwitchableStatusEventLog(EventLog delegate) {
    this.delegate = delegate;
  }

  /**
   * From now on, each page read answers once the future {@code gate} returns for its page completes:
   * the read itself is done (what it saw is fixed) while its answer waits.
   */
  public void holdPages(java.util.function.Function<Page, Future<Void>> gate) {
    pageGate = gate;
  }

  /** Reports {@code state} to the change stream's listener, on the listener's context. */
  public void emit(StoreStatus.State state) {
    ChangeListener l = listener;
    if (l == null) {
      throw new IllegalStateException("no change stream is open");
    }
    context.runOnContext(v -> l.onStatus(StoreStatus.of(state, "switchable", "emitted by the test")));
  }

  @Override
  public Future<ChangeStream> changes(Cursor from, ChangeListener listener) {
    this.context = Vertx.currentContext();
    this.listener = listener;
    return delegate.changes(from, listener);
  }

  @Override
  public io.feedbus.event.CursorClock clock() {
    return delegate.clock();
  }

  @Override
  public Future<Void> append(List<Event> events) {
    return delegate.append(events);
  }

  @Override
  public Future<List<Event>> readAfter(String topic, Cursor after, int limit) {
    return delegate.readAfter(topic, after, limit);
  }

  @Override
  public Future<Page> readPage(String topic, Cursor after, int limit, long maxBytes) {
    java.util.function.Function<Page, Future<Void>> gate = pageGate;
    return delegate.readPage(topic, after, limit, maxBytes).compose(page -> gate.apply(page).map(page));
  }

  @Override
  public Future<Page> readBefore(String topic, Cursor before, int limit, long maxBytes) {
    return delegate.readBefore(topic, before, limit, maxBytes);
  }

  @Override
  public Future<List<Event>> readAllAfter(Cursor after, int limit) {
    return delegate.readAllAfter(after, limit);
  }

  @Override
  public Future<Cursor> latest() {
    return delegate.latest();
  }

  @Override
  public Future<Void> delete(List<Event> events) {
    return delegate.delete(events);
  }

  @Override
  public Future<Long> purge(String topic) {
    return delegate.purge(topic);
  }

  @Override
  public Future<Long> trim(long olderThanTs) {
    return delegate.trim(olderThanTs);
  }

  @Override
  public boolean sharedAcrossNodes() {
    return delegate.sharedAcrossNodes();
  }

  @Override
  public Future<Void> close() {
    listener = null;
    return delegate.close();
  }
}
