package io.feedbus.auth;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who may use the broker ({@code auth} in the config), on every entry (HTTP, SSE, bridge): JWT keys
 * and the issuer and audience a token must carry, the claim holding a user's rights, the API keys
 * of backend services, whether callers without a credential are let in, and whether management is open.
 */
public final class AuthOptions {

  static final Set<String> HMAC = Set.of("HS256", "HS384", "HS512");
  static final Set<String> PUBLIC_KEY = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512");
  /** API keys are compared as secrets: long enough that guessing one is hopeless. */
  static final int MIN_API_KEY_LENGTH = 32;

  /**
   * Callers without a credential get {@link #anonymousRights}; when false they get 401 (browsers may
   * connect but do nothing). Unset (null): on only while neither {@link #keys} nor {@link #apiKeys} is
   * configured, so configuring a credential closes the broker unless anonymous access is asked for.
   */
  public Boolean anonymous;
  public Rights anonymousRights = Rights.all();
  /** Required {@code iss} of tokens; null accepts any. */
  public String issuer;
  /** Accepted {@code aud} values (a token must name one of them); empty accepts any. */
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  public List<String> audience = new ArrayList<>();
  public List<Key> keys = new ArrayList<>();
  /** The claim with the user's rights, shaped {@code {"subscribe": ["orders.*"], "publish": ["orders.eu"]}}. */
  public String topicsClaim = "feedbus";
  /**
   * The claim with the user's connection fields, an object of strings such as {@code {"channel":
   * "#support"}}: they become the fields of the user's connections (those {@code presence.clientFields}
   * allows), and win over fields the client sets itself.
   */
  public String fieldsClaim = "fields";
  /** Clock skew tolerated on {@code exp}/{@code nbf}. */
  public int leewaySeconds = 5;
  /** Tokens without {@code exp} would be valid forever: refused unless this is true. */
  public boolean allowTokensWithoutExpiry = false;
  /**
   * Keys of backend services: {@code Authorization: apikey <key>} may publish and read every topic
   * and use the management and admission routes.
   */
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  public List<String> apiKeys = new ArrayList<>();
  /**
   * Management and admission routes ({@code /connections*}, {@code /admission/*}, {@code /canStream},
   * {@code /endStream}, {@code /metrics}) answer without a credential. Off unless asked for: the
   * development config turns it on, and a node refuses to start with it on a non-loopback address.
   */
  public boolean openManagement = false;

  /** Whether callers without a credential are let in: {@link #anonymous}, or when unset, whether no credential is configured. */
  public boolean anonymousAllowed() {
    return anonymous != null ? anonymous : (keys == null || keys.isEmpty()) && (apiKeys == null || apiKeys.isEmpty());
  }

  /** Topic patterns ({@code *} matches any run of characters) a user may subscribe to and publish on. */
  public static final class Rights {
    public List<String> subscribe = new ArrayList<>();
    public List<String> publish = new ArrayList<>();

    public static Rights all() {
      Rights rights = new Rights();
      rights.subscribe.add("*");
      rights.publish.add("*");
      return rights;
    }

    public static Rights of(List<String> subscribe, List<String> publish) {
      Rights rights = new Rights();
      rights.subscribe.addAll(subscribe);
      rights.publish.addAll(publish);
      return rights;
    }
  }

  /** One verification key: HS256/384/512 with a shared {@code secret}, RS256.. or ES256.. with a PEM public key inline or in a file. */
  public static final class Key {
    public String algorithm = "HS256";
    public String secret;
    public String publicKey;
    public String publicKeyFile;
  }

  /** Adds a line per bad field to {@code problems}, each prefixed with {@code prefix}. */
  public void validate(String prefix, List<String> problems) {
    if (Boolean.FALSE.equals(anonymous) && (keys == null || keys.isEmpty()) && (apiKeys == null || apiKeys.isEmpty())) {
      problems.add(prefix + ".keys = [] and " + prefix + ".apiKeys = []: at least one JWT key or API key is needed when "
          + prefix + ".anonymous is false, or nobody could use the broker");
    }
    if (apiKeys == null) {
      problems.add(prefix + ".apiKeys = null: must be a list of keys (empty: none)");
    } else {
      for (int i = 0; i < apiKeys.size(); i++) {
        String key = apiKeys.get(i);
        if (key == null || key.length() < MIN_API_KEY_LENGTH || !key.matches("[\\x21-\\x7e]+")) {
          problems.add(prefix + ".apiKeys[" + i + "] = " + (key == null ? "null" : "(" + key.length() + " characters)")
              + ": must be at least " + MIN_API_KEY_LENGTH + " visible ASCII characters without spaces (e.g. openssl rand -hex 32)");
        }
      }
    }
    if (anonymousRights == null) {
      problems.add(prefix + ".anonymousRights = null: must be {\"subscribe\": [...], \"publish\": [...]}");
    } else {
      patterns(prefix + ".anonymousRights.subscribe", anonymousRights.subscribe, problems);
      patterns(prefix + ".anonymousRights.publish", anonymousRights.publish, problems);
    }
    if (issuer != null && issuer.isBlank()) {
      problems.add(prefix + ".issuer = '" + issuer + "': must be null (any issuer) or the expected iss");
    }
    if (audience == null) {
      problems.add(prefix + ".audience = null: must be a list (empty accepts any audience)");
    } else {
      for (int i = 0; i < audience.size(); i++) {
        if (audience.get(i) == null || audience.get(i).isBlank()) {
          problems.add(prefix + ".audience[" + i + "] = '" + audience.get(i) + "': must not be blank");
        }
      }
    }
    if (topicsClaim == null || topicsClaim.isBlank()) {
      problems.add(prefix + ".topicsClaim = '" + topicsClaim + "': must name the claim holding topic rights");
    }
    if (fieldsClaim == null || fieldsClaim.isBlank()) {
      problems.add(prefix + ".fieldsClaim = '" + fieldsClaim + "': must name the claim holding connection fields");
    }
    if (leewaySeconds < 0 || leewaySeconds > 3600) {
      problems.add(prefix + ".leewaySeconds = " + leewaySeconds + ": must be between 0 and 3600");
    }
    if (keys != null) {
      for (int i = 0; i < keys.size(); i++) {
        validateKey(prefix + ".keys[" + i + "]", keys.get(i), problems);
      }
    }
  }

  private static void validateKey(String field, Key key, List<String> problems) {
    if (key == null) {
      problems.add(field + " = null: must be {algorithm, secret | publicKey | publicKeyFile}");
      return;
    }
    if (HMAC.contains(key.algorithm)) {
      if (key.secret == null || key.secret.length() < 32) {
        problems.add(field + ".secret = " + (key.secret == null ? "null" : "(" + key.secret.length() + " characters)")
            + ": " + key.algorithm + " needs a secret of at least 32 characters");
      }
      if (key.publicKey != null || key.publicKeyFile != null) {
        problems.add(field + ".publicKey: " + key.algorithm + " takes a secret, not a public key");
      }
    } else if (PUBLIC_KEY.contains(key.algorithm)) {
      if ((key.publicKey == null) == (key.publicKeyFile == null)) {
        problems.add(field + ".publicKey = " + (key.publicKey == null ? "null" : "(set)") + ", " + field + ".publicKeyFile = "
            + (key.publicKeyFile == null ? "null" : "'" + key.publicKeyFile + "'") + ": " + key.algorithm + " needs exactly one of them (PEM)");
      }
      if (key.publicKey != null && !key.publicKey.contains("-----BEGIN PUBLIC KEY-----")) {
        problems.add(field + ".publicKey: must be a PEM public key (-----BEGIN PUBLIC KEY-----)");
      }
      if (key.secret != null) {
        problems.add(field + ".secret: " + key.algorithm + " verifies with a public key, not a secret");
      }
    } else {
      problems.add(field + ".algorithm = '" + key.algorithm + "': must be one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512");
    }
  }

  private static void patterns(String field, List<String> patterns, List<String> problems) {
    if (patterns == null) {
      problems.add(field + " = null: must be a list of topic patterns");
      return;
    }
    for (int i = 0; i < patterns.size(); i++) {
      if (!TopicPattern.isValid(patterns.get(i))) {
        problems.add(field + "[" + i + "] = '" + patterns.get(i) + "': " + TopicPattern.RULE);
      }
    }
  }
}
