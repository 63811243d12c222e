package io.feedbus.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * One WebSocket frame's bytes for every socket of a fan-out. A server's frame is not masked, so the
 * bytes of a binary message are the same on every connection: while a fan-out writes one message to
 * many sockets ({@link #share}), {@link Writer} swaps each socket's binary frame of that message for a
 * duplicate of one encoded copy. Without it, Vert.x and Netty's encoder allocate a buffer per socket
 * and copy the message into it.
 *
 * <p>Only what passes the writer while the fan-out runs on its event loop is swapped: a socket whose
 * writes are queued (it is not writable) writes them later, through the encoder, in the same order.
 * The swap changes no byte on the wire; a frame that is a fragment, compressed or of another message
 * goes on as it came. Browsers' SockJS transports frame each message for each socket and are not
 * swapped; raw WebSocket clients of the bridge are.
 */
public final class SharedWebSocketFrames {

  private static final FastThreadLocal<Shared> CURRENT = new FastThreadLocal<>();
  /** Writes {@link #share}d messages as their shared frame; stateless, one for every connection. */
  static final Writer WRITER = new Writer();
  /** Frames written as a shared copy since start. */
  private static final java.util.concurrent.atomic.LongAdder SHARED_WRITES = new java.util.concurrent.atomic.LongAdder();

  private SharedWebSocketFrames() {
  }

  /**
   * Shares {@code message}'s frame on this thread until the returned scope closes; the caller writes
   * {@code message} (the same {@link Buffer}) to each socket meanwhile.
   */
  public static Scope share(Buffer message) {
    Shared previous = CURRENT.get();
    Shared shared = new Shared(((BufferInternal) message).getByteBuf().unwrap());
    CURRENT.set(shared);
    return () -> {
      CURRENT.set(previous);
      shared.release();
    };
  }

  /** Frames written as a shared copy since start, on every connection of this process. */
  public static long sharedWrites() {
    return SHARED_WRITES.sum();
  }

  /** Ends a {@link #share}. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** The message being fanned out, and its frame once a socket needed it. */
  private static final class Shared {
    private final ByteBuf message;
    private ByteBuf frame;

    Shared(ByteBuf message) {
      this.message = message;
    }

    /** True when {@code frame} is the whole message in one plain binary frame. */
    boolean carries(BinaryWebSocketFrame frame) {
      if (!frame.isFinalFragment() || frame.rsv() != 0
          || frame.content().readableBytes() != message.readableBytes()) {
        return false;
      }
      // Vert.x hands the encoder a slice of the whole message, maybe wrapped: it unwraps to the message.
      ByteBuf content = frame.content();
      for (int depth = 0; content != null && depth < 4; depth++) {
        if (content == message) {
          return true;
        }
        content = content.unwrap();
      }
      return false;
    }

    ByteBuf frame(ByteBufAllocator alloc) {
      if (frame == null) {
        frame = encode(message, alloc);
      }
      return frame;
    }

    void release() {
      if (frame != null) {
        frame.release();
        frame = null;
      }
    }
  }

  /** RFC 6455 binary frame, final, unmasked (as a server sends it): header, then the message. */
  static ByteBuf encode(ByteBuf message, ByteBufAllocator alloc) {
    int length = message.readableBytes();
    int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf frame = alloc.directBuffer(header + length);
    frame.writeByte(0x82);
    if (length <= 125) {
      frame.writeByte(length);
    } else if (length <= 0xFFFF) {
      frame.writeByte(126).writeShort(length);
    } else {
      frame.writeByte(127).writeLong(length);
    }
    frame.writeBytes(message, message.readerIndex(), length);
    return frame;
  }

  /** Sits before Vert.x's connection handler: what Vert.x writes passes it before the WebSocket encoder. */
  @ChannelHandler.Sharable
  static final class Writer extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof BinaryWebSocketFrame binary) {
        Shared shared = CURRENT.getIfExists();
        if (shared != null && shared.carries(binary)) {
          ByteBuf frame = shared.frame(ctx.alloc()).retainedDuplicate();
          binary.release();
          SHARED_WRITES.increment();
          ctx.write(frame, promise);
          return;
        }
      }
      ctx.write(msg, promise);
    }
  }
}
