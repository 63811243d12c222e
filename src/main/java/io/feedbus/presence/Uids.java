package io.feedbus.presence;

import io.feedbus.event.FeedbusException;
import java.util.regex.Pattern;

/** What a uid or a connection id may be: 1 to 128 visible characters without '#', '/' or spaces. */
public final class Uids {

  private static final Pattern NAME = Pattern.compile("[^\\s#/\\p{Cntrl}]{1,128}");

  private Uids() {
  }

  static String uid(Object value) {
    return check("uid", "invalid_uid", value);
  }

  public static String connectionId(Object value) {
    return check("connectionId", "invalid_connection_id", value);
  }

  private static String check(String field, String code, Object value) {
    if (!(value instanceof String) || !NAME.matcher((String) value).matches()) {
      throw FeedbusException.badRequest(code, field + " must be 1 to 128 visible characters without '#', '/' or spaces, not '"
          + (value instanceof String && ((String) value).length() > 40 ? ((String) value).substring(0, 40) + "..." : value) + "'");
    }
    return (String) value;
  }
}
