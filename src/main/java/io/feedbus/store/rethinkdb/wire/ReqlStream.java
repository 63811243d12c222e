package io.feedbus.store.rethinkdb.wire;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A query whose results arrive batch by batch: a change feed (endless) or a long sequence. The next
 * batch is asked for ({@code CONTINUE}) only after the handler has taken the previous one and while
 * the stream is not paused, so a slow consumer holds the server back instead of filling memory.
 * Handlers run on the context that created the stream.
 */
public final class ReqlStream implements ReqlConnection.Receiver {

  private final ReqlConnection connection;
  private final long token;
  private final ContextInternal context;
  private final Buffer query;
  private final Promise<Void> done = Promise.promise();
  private Handler<JsonArray> handler = batch -> { };
  private Handler<JsonArray> notesHandler = notes -> { };
  // Confined to the context.
  private boolean started;
  private boolean paused;
  private boolean owed;
  private boolean ended;
  private boolean stopping;

  ReqlStream(ReqlConnection connection, long token, ContextInternal context, Buffer query) {
    this.connection = connection;
    this.token = token;
    this.context = context;
    this.query = query;
  }

  /** Receives each batch of results (possibly empty). */
  public ReqlStream handler(Handler<JsonArray> handler) {
    this.handler = handler;
    return this;
  }

  /** Receives the response notes of the first batch ({@code SEQUENCE_FEED}, {@code INCLUDES_STATES}, ...). */
  public ReqlStream notesHandler(Handler<JsonArray> handler) {
    this.notesHandler = handler;
    return this;
  }

  /** Sends the query. Call on the stream's context. */
  public ReqlStream start() {
    if (!started) {
      started = true;
      if (connection.register(token, this)) {
        connection.send(token, ReqlConnection.START, query);
      }
    }
    return this;
  }

  /** Stops asking for batches; the one already asked for still arrives. */
  public void pause() {
    paused = true;
  }

  public void resume() {
    paused = false;
    if (owed && !ended) {
      owed = false;
      connection.send(token, ReqlConnection.CONTINUE, null);
    }
  }

  /** Completes when the sequence ends or the stream is closed; fails with the query's or connection's error. */
  public Future<Void> done() {
    return done.future();
  }

  /** Stops the query on the server; {@link #done()} then completes. */
  public Future<Void> close() {
    context.runOnContext(v -> {
      if (!ended && !stopping) {
        stopping = true;
        if (!started) {
          end(null);
        } else if (!connection.isOpen()) {
          end(null);
        } else {
          connection.send(token, ReqlConnection.STOP, null);
        }
      }
    });
    return done.future().recover(e -> Future.succeededFuture());
  }

  @Override
  public void response(int type, JsonObject body) {
    context.runOnContext(v -> handle(type, body));
  }

  @Override
  public void failed(ReqlError error) {
    context.runOnContext(v -> end(stopping && error.kind() == ReqlError.Kind.CONNECTION ? null : error));
  }

  private void handle(int type, JsonObject body) {
    if (ended) {
      return;
    }
    JsonArray notes = body.getJsonArray("n");
    if (notes != null) {
      notesHandler.handle(notes);
      notesHandler = n -> { };
    }
    switch (type) {
      case ReqlConnection.SUCCESS_PARTIAL:
      case ReqlConnection.SUCCESS_SEQUENCE:
      case ReqlConnection.SUCCESS_ATOM:
        boolean more = type == ReqlConnection.SUCCESS_PARTIAL;
        if (!stopping) {
          JsonArray r = body.getJsonArray("r", new JsonArray());
          if (type == ReqlConnection.SUCCESS_ATOM) {
            r = new JsonArray().add(r.isEmpty() ? null : r.getValue(0));
          }
          try {
            handler.handle(r);
          } catch (RuntimeException e) {
            stopping = true;
            connection.send(token, ReqlConnection.STOP, null);
            end(e);
            return;
          }
        }
        if (!more) {
          end(null);
        } else if (stopping || ended) {
          return;
        } else if (paused) {
          owed = true;
        } else {
          connection.send(token, ReqlConnection.CONTINUE, null);
        }
        return;
      default:
        end(ReqlConnection.errorOf(type, body));
    }
  }

  private void end(Throwable failure) {
    if (ended) {
      return;
    }
    ended = true;
    connection.unregister(token);
    if (failure == null) {
      done.tryComplete();
    } else {
      done.tryFail(failure);
    }
  }
}
