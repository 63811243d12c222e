package io.feedbus.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * Holds back the flushes of writes made outside a read (SSE events, bridge frames, acks answered
 * from the bus) until the end of the event loop's turn, so the events of one store commit leave a
 * connection in one system call instead of one each. Unlike Netty's {@code FlushConsolidationHandler},
 * which schedules a task per connection, one task per event loop and turn flushes every connection of
 * that loop that wrote: a fan-out writing one frame to each of 10,000 sockets queues no task per socket.
 *
 * <p>No flush waits past the end of the turn it was asked in: the task runs after the loop's reads
 * of that turn, whatever they did. A connection that asked {@value #FLUSH_AFTER_WRITES} times since
 * its last flush is flushed at once; a close, a disconnect, an error, unwritability or removal flush
 * first, so nothing written is held back or lost. (Vert.x itself already holds the flushes of writes
 * made during a read until the read completes, and they come here then.)
 */
final class LoopFlushCoalescer extends ChannelDuplexHandler {

  static final int FLUSH_AFTER_WRITES = 64;

  /** The connections of one event loop waiting for the end of its turn (touched only by that loop's thread). */
  private static final FastThreadLocal<Turn> TURN = new FastThreadLocal<>() {
    @Override
    protected Turn initialValue() {
      return new Turn();
    }
  };

  private ChannelHandlerContext ctx;
  private boolean queued;
  private boolean removed;
  /** Flushes asked for since the last one passed on. */
  private int held;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    flushHeld();
    removed = true;
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (++held >= FLUSH_AFTER_WRITES) {
      flushHeld();
    } else if (!queued) {
      queued = true;
      TURN.get().add(this, ctx);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable()) {
      // What is held counts against the water marks: let it go so the socket can drain.
      flushHeld();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    flushHeld();
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
    flushHeld();
    ctx.disconnect(promise);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    flushHeld();
    ctx.close(promise);
  }

  private void flushHeld() {
    if (held > 0 && !removed) {
      held = 0;
      ctx.flush();
    }
  }

  /** The end of the loop's turn: flushes what is held. */
  private void endOfTurn() {
    queued = false;
    flushHeld();
  }

  /** One event loop's waiting connections and the one task that flushes them. */
  private static final class Turn implements Runnable {
    private ArrayList<LoopFlushCoalescer> waiting = new ArrayList<>();
    private ArrayList<LoopFlushCoalescer> spare = new ArrayList<>();

    void add(LoopFlushCoalescer handler, ChannelHandlerContext ctx) {
      waiting.add(handler);
      if (waiting.size() == 1) {
        ctx.channel().eventLoop().execute(this);
      }
    }

    @Override
    public void run() {
      // A flush may make another connection write and wait: it waits in the fresh list, for the next task.
      ArrayList<LoopFlushCoalescer> now = waiting;
      waiting = spare;
      for (int i = 0; i < now.size(); i++) {
        now.get(i).endOfTurn();
      }
      now.clear();
      spare = now;
    }
  }
}
