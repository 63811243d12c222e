package io.feedbus;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The verticles an event passes through share one event loop, however many contexts came before them. */
class EventLoopPlacementTest {

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0} event loops, {1} contexts made before the node starts")
  @CsvSource({"2, 0", "2, 1", "3, 0", "3, 1", "3, 2", "4, 3"})
  void theFeedThePublishServiceAndHttpRunOnOneEventLoop(int loops, int contextsBefore) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    try {
      for (int i = 0; i < contextsBefore; i++) {
        ((VertxInternal) vertx).createEventLoopContext();
      }
      Feedbus node = await(Feedbus.start(vertx, TestNodes.options(dir)));
      try {
        assertThat(node.eventPathContexts().stream().map(EventLoopPlacement::loopOf).distinct()).hasSize(1);
      } finally {
        await(node.close());
      }
    } finally {
      await(vertx.close());
    }
  }
}
