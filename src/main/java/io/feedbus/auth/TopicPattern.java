package io.feedbus.auth;

import java.util.regex.Pattern;

/** A topic glob from a rights list: {@code *} matches any run of characters, dots included. */
public final class TopicPattern {

  static final String RULE = "must be 1 to 128 of letters, digits, '_', '.', ':', '-' or the wildcard '*'";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.:\\-*]{1,128}");

  private final String glob;
  private final Pattern regex;

  private TopicPattern(String glob) {
    this.glob = glob;
    this.regex = Pattern.compile(toRegex(glob));
  }

  private static String toRegex(String glob) {
    StringBuilder re = new StringBuilder();
    String[] parts = glob.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".*");
      }
      if (!parts[i].isEmpty()) {
        re.append(Pattern.quote(parts[i]));
      }
    }
    return re.toString();
  }

  public static boolean isValid(String glob) {
    return glob != null && VALID.matcher(glob).matches();
  }

  /** Compiles a glob; fails with {@link IllegalArgumentException} naming the rule when it is not one. */
  public static TopicPattern of(String glob) {
    if (!isValid(glob)) {
      throw new IllegalArgumentException("topic pattern '" + glob + "' " + RULE);
    }
    return new TopicPattern(glob);
  }

  public boolean matches(String topic) {
    return topic != null && regex.matcher(topic).matches();
  }

  @Override
  public String toString() {
    return glob;
  }
}
