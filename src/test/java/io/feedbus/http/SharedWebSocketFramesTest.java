package io.feedbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.Test;

class SharedWebSocketFramesTest {

  /** A server's encoder, and the writer in front of it, as in a node's pipeline. */
  private static EmbeddedChannel channel() {
    return new EmbeddedChannel(new WebSocket13FrameEncoder(false), SharedWebSocketFrames.WRITER);
  }

  /** What Vert.x hands the pipeline for a binary message: a frame over a wrapped slice of the message. */
  private static BinaryWebSocketFrame asVertxWrites(Buffer message, boolean last) {
    ByteBuf slice = ((BufferInternal) message.slice(0, message.length())).getByteBuf();
    return new BinaryWebSocketFrame(last, 0, Unpooled.unreleasableBuffer(slice));
  }

  private static byte[] written(EmbeddedChannel channel) {
    ByteBuf out = Unpooled.buffer();
    for (ByteBuf part; (part = channel.readOutbound()) != null; ) {
      out.writeBytes(part);
      part.release();
    }
    return ByteBufUtil.getBytes(out);
  }

  private static byte[] encodedByNetty(Buffer message) {
    EmbeddedChannel netty = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    netty.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message.getBytes())));
    return written(netty);
  }

  @Test
  void theSharedFrameIsTheBytesNettysEncoderWritesAtEveryLengthForm() {
    for (int length : new int[] {0, 1, 125, 126, 1_000, 65_535, 65_536, 200_000}) {
      Buffer message = Buffer.buffer("x".repeat(length));
      ByteBuf frame = SharedWebSocketFrames.encode(((BufferInternal) message).getByteBuf(), io.netty.buffer.ByteBufAllocator.DEFAULT);
      assertThat(ByteBufUtil.getBytes(frame)).as("length " + length).isEqualTo(encodedByNetty(message));
      frame.release();
    }
  }

  @Test
  void whileSharedEverySocketWritesOneEncodedCopyAndTheSameBytes() {
    Buffer message = Buffer.buffer("{\"type\":\"rec\",\"address\":\"feedbus.topic.t\",\"body\":{\"n\":1}}");
    EmbeddedChannel one = channel();
    EmbeddedChannel two = channel();
    ByteBuf first;
    ByteBuf second;
    try (SharedWebSocketFrames.Scope shared = SharedWebSocketFrames.share(message)) {
      one.writeOutbound(asVertxWrites(message, true));
      two.writeOutbound(asVertxWrites(message, true));
      first = one.readOutbound();
      second = two.readOutbound();
    }
    // Both are views of one buffer (not the encoder's fresh buffer per socket), and still readable after the scope.
    assertThat(first.unwrap()).isNotNull().isSameAs(second.unwrap());
    assertThat(ByteBufUtil.getBytes(first)).isEqualTo(encodedByNetty(message)).isEqualTo(ByteBufUtil.getBytes(second));
    first.release();
    second.release();
    assertThat(first.unwrap().refCnt()).isZero();
  }

  @Test
  void otherMessagesFragmentsTextAndWritesOutsideTheScopeGoThroughTheEncoder() {
    Buffer message = Buffer.buffer("{\"shared\":true}");
    Buffer other = Buffer.buffer("{\"shared\":false}");
    EmbeddedChannel channel = channel();
    try (SharedWebSocketFrames.Scope shared = SharedWebSocketFrames.share(message)) {
      channel.writeOutbound(asVertxWrites(other, true));
      assertThat(written(channel)).isEqualTo(encodedByNetty(other));
      channel.writeOutbound(asVertxWrites(message, false));
      assertThat(written(channel)[0]).as("a first fragment: FIN clear").isEqualTo((byte) 0x02);
      channel.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(message.getBytes())));
      assertThat(written(channel)[0]).as("a text frame").isEqualTo((byte) 0x81);
    }
    channel.writeOutbound(asVertxWrites(message, true));
    ByteBuf encoded = channel.readOutbound();
    assertThat(encoded.unwrap()).as("the encoder's own buffer").isNull();
    assertThat(ByteBufUtil.getBytes(encoded)).isEqualTo(encodedByNetty(message));
    encoded.release();
  }
}
