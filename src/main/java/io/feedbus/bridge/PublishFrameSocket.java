package io.feedbus.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.impl.SockJSSocketBase;
import java.util.function.BiPredicate;

/**
 * A browser's SockJS socket as Vert.x's event bus bridge sees it: every frame the browser sends goes
 * first to {@code shortcut}, which takes the ones it handles itself (a publish, see
 * {@link BrowserBridge#publishDirectly}); the bridge gets the rest, unchanged. Everything else is
 * the socket's own. It extends {@link SockJSSocketBase} (registering no write handler) because the
 * bridge closes a socket whose pings stop through that class.
 */
final class PublishFrameSocket extends SockJSSocketBase {

  private static final SockJSHandlerOptions NO_WRITE_HANDLER = new SockJSHandlerOptions().setRegisterWriteHandler(false);

  private final SockJSSocket socket;
  private final BiPredicate<SockJSSocket, Buffer> shortcut;

  PublishFrameSocket(Vertx vertx, SockJSSocket socket, BiPredicate<SockJSSocket, Buffer> shortcut) {
    super(vertx, socket.routingContext(), NO_WRITE_HANDLER);
    this.socket = socket;
    this.shortcut = shortcut;
  }

  @Override
  public SockJSSocket handler(Handler<Buffer> handler) {
    socket.handler(handler == null ? null : frame -> {
      if (!shortcut.test(this, frame)) {
        handler.handle(frame);
      }
    });
    return this;
  }

  @Override
  public SockJSSocket exceptionHandler(Handler<Throwable> handler) {
    socket.exceptionHandler(handler);
    return this;
  }

  @Override
  public SockJSSocket pause() {
    socket.pause();
    return this;
  }

  @Override
  public SockJSSocket resume() {
    socket.resume();
    return this;
  }

  @Override
  public SockJSSocket fetch(long amount) {
    socket.fetch(amount);
    return this;
  }

  @Override
  public SockJSSocket endHandler(Handler<Void> handler) {
    socket.endHandler(handler);
    return this;
  }

  @Override
  public SockJSSocket closeHandler(Handler<Void> handler) {
    socket.closeHandler(handler);
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    return socket.write(data);
  }

  @Override
  public Future<Void> write(String data) {
    return socket.write(data);
  }

  @Override
  public SockJSSocket setWriteQueueMaxSize(int maxSize) {
    socket.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public SockJSSocket drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
    return this;
  }

  @Override
  public String writeHandlerID() {
    return socket.writeHandlerID();
  }

  @Override
  public Future<Void> end() {
    return socket.end();
  }

  @Override
  public void close() {
    socket.close();
  }

  @Override
  public void close(int statusCode, String reason) {
    socket.close(statusCode, reason);
  }

  @Override
  public void closeAfterSessionExpired() {
    socket.close();
  }

  @Override
  public SocketAddress remoteAddress() {
    return socket.remoteAddress();
  }

  @Override
  public SocketAddress localAddress() {
    return socket.localAddress();
  }

  @Override
  public MultiMap headers() {
    return socket.headers();
  }

  @Override
  public String uri() {
    return socket.uri();
  }

  @Override
  public RoutingContext routingContext() {
    return socket.routingContext();
  }

  @Override
  public Session webSession() {
    return socket.webSession();
  }

  @Override
  public User webUser() {
    return socket.webUser();
  }
}
