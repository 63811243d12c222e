package io.feedbus;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the verticles an event passes through (HTTP and the bridge, the publish service, the feed)
 * on one event loop, so handing an event from one to the next is a call on the same thread rather
 * than a task for another one.
 *
 * <p>Measured with {@code bench --only e2e} (2 cores, two alternated runs each): with the HTTP
 * verticle on the other loop than the publish service and the feed, the broker used 50 to 68 us of
 * CPU per event with 16 publishers against 38 to 43 on one loop, and its rate fell to 1.02x / 1.31x
 * of NATS (HTTP / bridge) against 1.40x / 1.46x. Every other verticle (retention, the connection
 * registry) and the engines' own contexts spread over the loops as Vert.x hands them out.
 *
 * <p>Vert.x gives each new context the next event loop of its group in turn and has no option to
 * choose one for a deployment; so before a deployment that must share {@code target}'s loop, event
 * loop contexts are made (and dropped) until the one made last sits on the loop just before it.
 */
final class EventLoopPlacement {

  private EventLoopPlacement() {
  }

  /** The event loop {@code context} runs on. */
  static EventLoop loopOf(Context context) {
    return ((ContextInternal) context).nettyEventLoop();
  }

  /** Makes the next context Vert.x creates (the next deployment's) run on {@code target}'s event loop. */
  static void nextContextOn(Vertx vertx, Context target) {
    VertxInternal internal = (VertxInternal) vertx;
    List<EventExecutor> loops = new ArrayList<>();
    internal.nettyEventLoopGroup().forEach(loops::add);
    int index = loops.indexOf(loopOf(target));
    if (loops.size() < 2 || index < 0) {
      return;
    }
    EventExecutor before = loops.get((index - 1 + loops.size()) % loops.size());
    for (int i = 0; i < loops.size(); i++) {
      if (internal.createEventLoopContext().nettyEventLoop() == before) {
        return;
      }
    }
  }
}
