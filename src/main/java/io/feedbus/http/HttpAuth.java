package io.feedbus.http;

import io.feedbus.auth.Authenticator;
import io.feedbus.auth.Caller;
import io.feedbus.event.FeedbusException;
import io.feedbus.event.Topic;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Who is asking over HTTP: route handlers that read {@code Authorization} ({@code Bearer <JWT>} or
 * {@code apikey <key>}) through the shared {@link Authenticator}, and let a request on only with the
 * right for its topic, or for management. Refusals are JSON errors: 401 without an acceptable
 * credential, 403 outside the caller's rights. They run before any body is read, so a caller
 * without the right cannot make the server buffer one.
 */
public final class HttpAuth {

  private static final String CALLER = "feedbus.caller";
  private static final String OWN_UID = "feedbus.ownUid";

  private final Authenticator authenticator;

  public HttpAuth(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** Lets the request on when the caller may publish on ({@code publish}) or read ({@code !publish}) the path's {@code topic}. */
  public Handler<RoutingContext> topic(boolean publish) {
    return ctx -> withCaller(ctx, caller -> {
      FeedbusException refusal;
      try {
        refusal = caller.topicRefusal(Topic.validate(ctx.pathParam("topic")), publish);
      } catch (FeedbusException e) {
        refusal = e;
      }
      return refusal;
    });
  }

  /**
   * Lets the request on when the caller may use management and admission (an API key, or a token
   * whose claim grants admin), or when {@code auth.openManagement} leaves them open.
   */
  public Handler<RoutingContext> management() {
    return ctx -> {
      if (authenticator.managementOpen()) {
        ctx.next();
        return;
      }
      withCaller(ctx, Caller::managementRefusal);
    };
  }

  /**
   * Like {@link #management()}, but when {@code allowOwnUid}, also lets on a token's holder without
   * management rights, restricted to its own uid: the handlers after it read the restriction with
   * {@link #ownUidOnly}. Other callers without the right get {@link #management()}'s refusals.
   */
  public Handler<RoutingContext> managementOrOwnUid(boolean allowOwnUid) {
    return ctx -> {
      if (authenticator.managementOpen()) {
        ctx.next();
        return;
      }
      withCaller(ctx, caller -> {
        FeedbusException refusal = caller.managementRefusal();
        if (refusal != null && allowOwnUid && caller.kind() == Caller.Kind.TOKEN) {
          ctx.put(OWN_UID, caller.uid());
          return null;
        }
        return refusal;
      });
    };
  }

  /** The uid a request let on by {@link #managementOrOwnUid} may act on alone, or null when it has management rights. */
  public static String ownUidOnly(RoutingContext ctx) {
    return ctx.get(OWN_UID);
  }

  /** The caller a previous handler of this request authenticated (anonymous when none ran). */
  public static Caller caller(RoutingContext ctx) {
    Caller caller = ctx.get(CALLER);
    return caller == null ? Caller.anonymous(io.feedbus.auth.TopicRights.NONE) : caller;
  }

  /** Authenticates, then goes on when {@code check} finds nothing to refuse. */
  private void withCaller(RoutingContext ctx, java.util.function.Function<Caller, FeedbusException> check) {
    HttpServerRequest request = ctx.request();
    // A body must not flow before a later BodyHandler listens for it: hold it while the credential is checked.
    // A request without a body (GET of history or a stream) has nothing to hold.
    boolean paused = !request.isEnded() && hasBody(request);
    if (paused) {
      request.pause();
    }
    authenticator.authenticateHeader(request.getHeader("Authorization")).onComplete(ar -> {
      FeedbusException refusal = ar.failed() ? FeedbusException.from(ar.cause()) : check.apply(ar.result());
      if (refusal != null) {
        HttpErrors.send(ctx, refusal);
        if (paused) {
          request.resume(); // nobody reads it: what is left of the body is discarded
        }
        return;
      }
      ctx.put(CALLER, ar.result());
      ctx.next();
      if (paused) {
        request.resume();
      }
    });
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return (length != null && !"0".equals(length.trim())) || request.getHeader("Transfer-Encoding") != null;
  }
}
