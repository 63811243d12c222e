package io.feedbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The fan-out bench's subscribers read a frame's send time without decoding the frame. */
class FanoutBenchTest {

  static final byte[] SENT_AT = "\"t\":".getBytes(StandardCharsets.US_ASCII);

  @Test
  void theSendTimeIsTheNumberAfterTheMarker() {
    Buffer frame = Buffer.buffer("{\"type\":\"rec\",\"body\":{\"topic\":\"t\",\"payload\":{\"n\":3,\"t\":-123456789,\"data\":\"x\"}}}");
    assertThat(FanoutBench.numberAfter(frame, SENT_AT)).isEqualTo(-123456789L);
  }

  @Test
  void aFrameWithoutTheMarkerHasNoSendTime() {
    assertThat(FanoutBench.numberAfter(Buffer.buffer("{\"type\":\"rec\",\"body\":{\"probe\":true}}"), SENT_AT)).isEqualTo(Long.MIN_VALUE);
    assertThat(FanoutBench.numberAfter(Buffer.buffer("{\"t\":}"), SENT_AT)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void onlyTheFramesOwnBytesAreSearchedInASharedOrDirectBuffer() {
    byte[] around = "\"t\":1{\"t\":42}\"t\":7".getBytes(StandardCharsets.US_ASCII);
    Buffer slice = BufferInternal.buffer(Unpooled.wrappedBuffer(around).slice(5, 8));
    assertThat(FanoutBench.numberAfter(slice, SENT_AT)).isEqualTo(42L);
    Buffer direct = BufferInternal.buffer(Unpooled.directBuffer().writeBytes("{\"t\":9}".getBytes(StandardCharsets.US_ASCII)));
    assertThat(FanoutBench.numberAfter(direct, SENT_AT)).isEqualTo(9L);
  }
}
