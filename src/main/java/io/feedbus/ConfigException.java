package io.feedbus;

/** Invalid configuration; the message names the field and the value. */
public class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
