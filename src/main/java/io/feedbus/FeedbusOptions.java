package io.feedbus;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.feedbus.auth.AuthOptions;
import io.feedbus.bridge.BridgeOptions;
import io.feedbus.ops.OpsOptions;
import io.feedbus.presence.PresenceOptions;
import io.feedbus.store.rethinkdb.RethinkDbOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The whole feedbus configuration as one typed object. Read from JSON ({@code conf/feedbus.json}),
 * then environment overrides, then command-line overrides; {@link #validate()} names the field and
 * value of anything wrong. Plain data: it round-trips through {@link #toJson()} / {@link #fromJson}.
 */
public final class FeedbusOptions {

  /** Environment variables and the config path each one sets. */
  public static final Map<String, String> ENVIRONMENT = envTable();

  private String nodeId;
  private Http http = new Http();
  private Store store = new Store();
  private Publish publish = new Publish();
  private History history = new History();
  private Retention retention = new Retention();
  private Cluster cluster = new Cluster();
  private PresenceOptions presence = new PresenceOptions();
  private AuthOptions auth = new AuthOptions();
  private BridgeOptions bridge = new BridgeOptions();
  private OpsOptions ops = new OpsOptions();

  /** The HTTP server: REST API, web page, SockJS. */
  public static final class Http {
    public String host = "127.0.0.1";
    public int port = 8080;
  }

  /** Which engine stores the timeline, and its settings. */
  public static final class Store {
    public StoreType type = StoreType.embedded;
    public Embedded embedded = new Embedded();
    public RethinkDbOptions rethinkdb = new RethinkDbOptions();
  }

  /** The engines feedbus ships. */
  public enum StoreType { embedded, rethinkdb }

  /** The embedded engine: one directory, no server. */
  public static final class Embedded {
    public String dataDir = "./data";
    /** fsync each group commit, so acknowledged events also survive power loss, not just a crash. */
    public boolean fsync = true;
  }

  /** Publishing limits and group commit. */
  public static final class Publish {
    public int maxPayloadBytes = 1024 * 1024;
    public int maxBatchSize = 512;
    public int maxPending = 20_000;
    /**
     * After a write, how long the next one may wait for the publishers it just acknowledged to
     * publish again, so they share one write (0: never wait; see {@code GroupCommitter}).
     */
    public long maxCommitDelayMillis = 2;
  }

  /** History reads. */
  public static final class History {
    public int defaultLimit = 100;
    public int maxLimit = 1000;
    /** Event JSON a page holds at most (it always holds one event): what one history reply may allocate. */
    public long maxPageBytes = 4L * 1024 * 1024;
    /**
     * Live events an SSE stream keeps while it replays history; beyond it, it drops them and reads on
     * from history after the replay (nothing is missed, and no client can make it buffer more).
     */
    public int maxLiveBuffer = io.feedbus.client.FeedbusClient.DEFAULT_MAX_LIVE_BUFFER;
  }

  /** Age-based trimming of the timeline; 0 keeps everything. */
  public static final class Retention {
    public long maxAgeMillis = 0;
    public long intervalMillis = 60_000;
  }

  /** Vert.x clustering through Hazelcast. */
  public static final class Cluster {
    public boolean enabled = false;
    public String configFile = "conf/cluster.xml";
  }

  public String nodeId() {
    return nodeId;
  }

  public FeedbusOptions nodeId(String nodeId) {
    this.nodeId = nodeId;
    return this;
  }

  public Http http() {
    return http;
  }

  public Store store() {
    return store;
  }

  public Publish publish() {
    return publish;
  }

  public History history() {
    return history;
  }

  public Retention retention() {
    return retention;
  }

  public Cluster cluster() {
    return cluster;
  }

  /** Connection registry and admission control. */
  public PresenceOptions presence() {
    return presence;
  }

  public AuthOptions auth() {
    return auth;
  }

  public BridgeOptions bridge() {
    return bridge;
  }

  public OpsOptions ops() {
    return ops;
  }

  // ---------------------------------------------------------------- reading

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
      .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  /**
   * Defaults, as {@code conf/feedbus.json} ships them, but for {@code auth.openManagement}: only the
   * development file turns it on, so code that embeds a node gets management behind credentials.
   */
  public static FeedbusOptions defaults() {
    return new FeedbusOptions();
  }

  /** Reads options from JSON on top of the defaults; fails with a message naming a bad field. */
  public static FeedbusOptions fromJson(JsonObject json) {
    return load(json, Map.of(), Map.of());
  }

  /**
   * Layers the sources: {@code json} over the defaults, then {@code environment} (see
   * {@link #ENVIRONMENT}), then {@code overrides} (dotted paths, e.g. {@code http.port}), then validates.
   */
  public static FeedbusOptions load(JsonObject json, Map<String, String> environment, Map<String, String> overrides) {
    ObjectNode tree = MAPPER.valueToTree(new FeedbusOptions());
    try {
      if (json != null) {
        merge(tree, (ObjectNode) MAPPER.readTree(json.encode()));
      }
    } catch (JsonProcessingException e) {
      throw new ConfigException("config is not valid JSON: " + e.getOriginalMessage());
    }
    // Every problem is collected, so one start names all of them, not one per attempt.
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : ENVIRONMENT.entrySet()) {
      String value = environment.get(e.getKey());
      if (value != null && !value.isEmpty()) {
        set(tree, e.getValue(), value, "environment variable " + e.getKey(), problems);
      }
    }
    overrides.forEach((path, value) -> set(tree, path, value, "option " + path, problems));
    FeedbusOptions options = bind(tree, problems);
    options.problems(problems);
    if (!problems.isEmpty()) {
      throw new ConfigException("invalid config: " + String.join("; ", problems));
    }
    return options;
  }

  /**
   * Binds the tree to options; a field Jackson cannot bind (wrong type, unknown name) is recorded in
   * {@code problems} and dropped (so its default stays), and binding goes on to find the others.
   */
  private static FeedbusOptions bind(ObjectNode tree, List<String> problems) {
    while (true) {
      try {
        return MAPPER.treeToValue(tree, FeedbusOptions.class);
      } catch (JsonProcessingException e) {
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException
            ? ((JsonMappingException) e).getPath() : List.of();
        problems.add(translate(e));
        if (!remove(tree, path)) {
          throw new ConfigException("invalid config: " + String.join("; ", problems));
        }
      }
    }
  }

  /** Removes the field at {@code path} from the tree; false when there is no such field. */
  private static boolean remove(ObjectNode tree, List<JsonMappingException.Reference> path) {
    if (path.isEmpty()) {
      return false;
    }
    com.fasterxml.jackson.databind.JsonNode node = tree;
    for (int i = 0; i < path.size() - 1; i++) {
      JsonMappingException.Reference step = path.get(i);
      node = step.getFieldName() != null ? node.get(step.getFieldName()) : node.get(step.getIndex());
      if (node == null) {
        return false;
      }
    }
    JsonMappingException.Reference last = path.get(path.size() - 1);
    if (last.getFieldName() != null && node instanceof ObjectNode) {
      return ((ObjectNode) node).remove(last.getFieldName()) != null;
    }
    if (last.getFieldName() == null && node instanceof com.fasterxml.jackson.databind.node.ArrayNode) {
      return ((com.fasterxml.jackson.databind.node.ArrayNode) node).remove(last.getIndex()) != null;
    }
    return false;
  }

  /** Reads a config file (JSON) and layers environment and overrides on it. */
  public static FeedbusOptions load(Path file, Map<String, String> environment, Map<String, String> overrides) {
    JsonObject json = null;
    if (file != null) {
      try {
        json = new JsonObject(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      } catch (io.vertx.core.json.DecodeException e) {
        throw new ConfigException("config file " + file + " is not valid JSON: " + e.getMessage());
      }
    }
    return load(json, environment, overrides);
  }

  public JsonObject toJson() {
    try {
      return new JsonObject(MAPPER.writeValueAsString(this));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Checks ranges and combinations; throws {@link ConfigException} naming every bad field. */
  public FeedbusOptions validate() {
    List<String> problems = new ArrayList<>();
    problems(problems);
    if (!problems.isEmpty()) {
      throw new ConfigException("invalid config: " + String.join("; ", problems));
    }
    return this;
  }

  /** Adds a line to {@code problems} for each bad field (range, combination). */
  private void problems(List<String> problems) {
    range(problems, "http.port", http.port, 0, 65535);
    if (http.host == null || http.host.isBlank()) {
      problems.add("http.host = '" + http.host + "': must be a host name or address");
    }
    if (store.type == null) {
      problems.add("store.type = null: must be one of embedded, rethinkdb");
    }
    if (store.type == StoreType.embedded && (store.embedded.dataDir == null || store.embedded.dataDir.isBlank())) {
      problems.add("store.embedded.dataDir = '" + store.embedded.dataDir + "': must be a directory path");
    }
    if (store.type == StoreType.rethinkdb) {
      store.rethinkdb.validate("store.rethinkdb", problems);
    }
    range(problems, "publish.maxPayloadBytes", publish.maxPayloadBytes, 1, 64 * 1024 * 1024);
    range(problems, "publish.maxBatchSize", publish.maxBatchSize, 1, 10_000);
    range(problems, "publish.maxPending", publish.maxPending, 1, 10_000_000);
    range(problems, "publish.maxCommitDelayMillis", publish.maxCommitDelayMillis, 0, 1_000);
    range(problems, "history.defaultLimit", history.defaultLimit, 1, history.maxLimit);
    range(problems, "history.maxLimit", history.maxLimit, 1, 100_000);
    range(problems, "history.maxPageBytes", history.maxPageBytes, 1024, 1024L * 1024 * 1024);
    range(problems, "history.maxLiveBuffer", history.maxLiveBuffer, 1, 1_000_000);
    range(problems, "retention.maxAgeMillis", retention.maxAgeMillis, 0, Long.MAX_VALUE);
    range(problems, "retention.intervalMillis", retention.intervalMillis, 100, Long.MAX_VALUE);
    auth.validate("auth", problems);
    if (auth.openManagement && http.host != null && !isLoopback(http.host)) {
      problems.add("auth.openManagement = true with http.host = '" + http.host + "': management and admission routes would be open"
          + " to the network; bind a loopback address, or turn auth.openManagement off and give services auth.apiKeys (FEEDBUS_API_KEYS)");
    }
    bridge.validate("bridge", problems);
    ops.validate("ops", problems);
    presence.validate("presence", problems);
    if (nodeId != null && !nodeId.matches("[A-Za-z0-9_.:\\-]{1,64}")) {
      problems.add("nodeId = '" + nodeId + "': must be 1 to 64 letters, digits, '_', '.', ':' or '-'");
    }
  }

  /**
   * True when {@code host} is a loopback address ({@code localhost}, 127.0.0.0/8, ::1). A host name
   * other than localhost counts as not loopback: telling would take a lookup, and a refusal is the safe answer.
   */
  public static boolean isLoopback(String host) {
    if ("localhost".equalsIgnoreCase(host)) {
      return true;
    }
    String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    java.net.InetAddress address = io.netty.util.NetUtil.createInetAddressFromIpAddressString(literal);
    return address != null && address.isLoopbackAddress();
  }

  public static void range(List<String> problems, String field, long value, long min, long max) {
    if (value < min || value > max) {
      problems.add(field + " = " + value + ": must be between " + min + " and " + max);
    }
  }

  private static void merge(ObjectNode target, ObjectNode source) {
    source.fields().forEachRemaining(e -> {
      if (e.getValue().isObject() && target.get(e.getKey()) instanceof ObjectNode) {
        merge((ObjectNode) target.get(e.getKey()), (ObjectNode) e.getValue());
      } else {
        target.set(e.getKey(), e.getValue());
      }
    });
  }

  private static void set(ObjectNode tree, String path, String value, String source, List<String> problems) {
    String[] parts = path.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      if (!(node.get(parts[i]) instanceof ObjectNode)) {
        problems.add(source + " names unknown field '" + path + "'");
        return;
      }
      node = (ObjectNode) node.get(parts[i]);
    }
    String leaf = parts[parts.length - 1];
    if (!node.has(leaf)) {
      problems.add(source + " names unknown field '" + path + "'");
      return;
    }
    if (node.get(leaf).isArray()) {
      // A list field (auth.apiKeys, auth.audience) from one string: comma-separated values.
      com.fasterxml.jackson.databind.node.ArrayNode list = node.putArray(leaf);
      for (String item : value.split(",")) {
        if (!item.isBlank()) {
          list.add(item.trim());
        }
      }
      return;
    }
    node.put(leaf, value);
  }

  private static String translate(JsonProcessingException e) {
    String path = e instanceof JsonMappingException
        ? ((JsonMappingException) e).getPath().stream()
            .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
            .collect(Collectors.joining(".")).replace(".[", "[")
        : "?";
    if (e instanceof UnrecognizedPropertyException) {
      return "unknown field '" + path + "'";
    }
    if (e instanceof InvalidFormatException) {
      InvalidFormatException ife = (InvalidFormatException) e;
      String expected = ife.getTargetType().isEnum()
          ? "one of " + java.util.Arrays.toString(ife.getTargetType().getEnumConstants())
          : "a value of type " + ife.getTargetType().getSimpleName();
      return path + " = '" + ife.getValue() + "': must be " + expected;
    }
    return path + ": " + e.getOriginalMessage();
  }

  private static Map<String, String> envTable() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("FEEDBUS_NODE_ID", "nodeId");
    env.put("FEEDBUS_HTTP_HOST", "http.host");
    env.put("FEEDBUS_HTTP_PORT", "http.port");
    env.put("FEEDBUS_STORE", "store.type");
    env.put("FEEDBUS_DATA_DIR", "store.embedded.dataDir");
    env.put("FEEDBUS_MAX_PAYLOAD_BYTES", "publish.maxPayloadBytes");
    env.put("FEEDBUS_RETENTION_MAX_AGE_MILLIS", "retention.maxAgeMillis");
    env.put("FEEDBUS_CLUSTER", "cluster.enabled");
    env.put("FEEDBUS_CLUSTER_CONFIG", "cluster.configFile");
    env.put("FEEDBUS_LOG_FORMAT", "ops.logFormat");
    env.put("FEEDBUS_EVENT_LOOPS", "ops.eventLoops");
    env.put("FEEDBUS_API_KEYS", "auth.apiKeys");
    env.put("RETHINKDB_HOST", "store.rethinkdb.host");
    env.put("RETHINKDB_PORT", "store.rethinkdb.port");
    env.put("RETHINKDB_DB", "store.rethinkdb.database");
    env.put("RETHINKDB_USER", "store.rethinkdb.user");
    env.put("RETHINKDB_PASSWORD", "store.rethinkdb.password");
    return Map.copyOf(env);
  }
}
