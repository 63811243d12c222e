package io.feedbus;

/** A start that cannot take what it needs because another process holds it: the HTTP port, the data directory. */
public class InUseException extends RuntimeException {

  public InUseException(String message, Throwable cause) {
    super(message, cause);
  }
}
