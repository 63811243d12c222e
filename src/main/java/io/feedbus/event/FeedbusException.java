package io.feedbus.event;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * An error with a stable machine code ({@code invalid_topic}) and an HTTP-style status (400). On
 * the event bus it travels as a {@link ReplyException} whose failure code is the status and whose
 * message is {@code "<code>: <message>"}; over HTTP as the status with a body {@code {error, message}}.
 */
public class FeedbusException extends RuntimeException {

  /** The code of a write refused because its cursor holds another event: the writer retries with a new cursor. */
  public static final String CURSOR_TAKEN = "cursor_taken";

  private final int status;
  private final String code;

  public FeedbusException(int status, String code, String message) {
    this(status, code, message, null);
  }

  public FeedbusException(int status, String code, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
  }

  public static FeedbusException badRequest(String code, String message) {
    return new FeedbusException(400, code, message);
  }

  public static FeedbusException payloadTooLarge(String message) {
    return new FeedbusException(413, "payload_too_large", message);
  }

  public static FeedbusException storeUnavailable(String message, Throwable cause) {
    return new FeedbusException(503, "store_unavailable", message, cause);
  }

  public static FeedbusException forbidden(String message) {
    return new FeedbusException(403, "forbidden", message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", code).put("message", getMessage());
  }

  public ReplyException toReply() {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, status, code + ": " + getMessage());
  }

  /** Any failure as a FeedbusException: ours unchanged, bus replies decoded, the rest internal. */
  public static FeedbusException from(Throwable t) {
    if (t instanceof FeedbusException) {
      return (FeedbusException) t;
    }
    if (t instanceof ReplyException) {
      ReplyException re = (ReplyException) t;
      String msg = re.getMessage() == null ? "" : re.getMessage();
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() >= 400) {
        int colon = msg.indexOf(": ");
        if (colon > 0 && msg.substring(0, colon).matches("[a-z_]+")) {
          return new FeedbusException(re.failureCode(), msg.substring(0, colon), msg.substring(colon + 2));
        }
        return new FeedbusException(re.failureCode(), "error", msg);
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new FeedbusException(503, "unavailable", "no handler for the address: " + msg, re);
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new FeedbusException(504, "timeout", msg, re);
      }
    }
    return new FeedbusException(500, "internal", String.valueOf(t.getMessage()), t);
  }
}
