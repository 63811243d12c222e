package io.feedbus.presence;

import io.feedbus.FeedbusOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Settings of the connection registry and admission control ({@code presence} in the config). */
public final class PresenceOptions {

  /** A connection not seen (registered or heartbeat) for this long is removed by the sweep. */
  public long clientConnectionExpirationMillis = 10_000;
  /** How often each node sweeps expired connections, lapsed stream leases and connection lifetimes. */
  public long sweepIntervalMillis = 2_000;
  /** How often a registered connection heartbeats (told to transports in the registration reply). */
  public long heartbeatIntervalMillis = 3_000;
  /** Concurrent streams a uid may hold (admission), unless overridden below. */
  public int streamLimitPerUid = 3;
  /** Per-uid stream limits that replace {@link #streamLimitPerUid}. */
  public Map<String, Integer> streamLimitOverrides = new LinkedHashMap<>();
  /** How long a stream slot acquired without a connection (HTTP canStream) lives unless renewed. */
  public long streamLeaseMillis = 60_000;
  /** Live connections this node accepts; 0 = unlimited. Changeable at run time. */
  public int nodeConnectionCap = 0;
  /** Connections that are not long-term are closed after this long; 0 = no lifetime. */
  public long connectionLifetimeMillis = 0;
  /** Fixed extra fields added to every connection record (they win over the client's fields of the same name). */
  public Map<String, Object> additionalFields = new LinkedHashMap<>();
  /** The connection fields clients may set themselves (bridge URL or SSE query parameters, a token's {@code fields} claim). */
  public List<String> clientFields = new java.util.ArrayList<>(List.of("channel"));
  /** The longest value a client may give one of its fields. */
  public int maxClientFieldLength = 128;
  /**
   * A token's holder without management rights may send ({@code /connections/send}) to the
   * connections of its own uid, e.g. to reach its other tabs and devices.
   */
  public boolean allowSendToOwnUid = false;
  /** Per-uid priorities (HIGH, MEDIUM, LOW, BANNED); others get {@link #defaultPriority}. */
  public Map<String, Priority> priorities = new LinkedHashMap<>();
  public Priority defaultPriority = Priority.MEDIUM;

  /** Adds a line per bad field to {@code problems}, each prefixed with {@code prefix}. */
  public void validate(String prefix, List<String> problems) {
    FeedbusOptions.range(problems, prefix + ".clientConnectionExpirationMillis", clientConnectionExpirationMillis, 100, 86_400_000);
    FeedbusOptions.range(problems, prefix + ".sweepIntervalMillis", sweepIntervalMillis, 10, 3_600_000);
    FeedbusOptions.range(problems, prefix + ".heartbeatIntervalMillis", heartbeatIntervalMillis, 10, clientConnectionExpirationMillis - 1);
    FeedbusOptions.range(problems, prefix + ".streamLimitPerUid", streamLimitPerUid, 0, 10_000);
    FeedbusOptions.range(problems, prefix + ".streamLeaseMillis", streamLeaseMillis, 100, 31L * 86_400_000);
    FeedbusOptions.range(problems, prefix + ".nodeConnectionCap", nodeConnectionCap, 0, 10_000_000);
    FeedbusOptions.range(problems, prefix + ".connectionLifetimeMillis", connectionLifetimeMillis, 0, Long.MAX_VALUE / 4);
    if (streamLimitOverrides == null) {
      problems.add(prefix + ".streamLimitOverrides = null: must be an object of uid -> limit");
    } else {
      streamLimitOverrides.forEach((uid, limit) -> {
        if (limit == null) {
          problems.add(prefix + ".streamLimitOverrides." + uid + " = null: must be between 0 and 10000");
        } else {
          FeedbusOptions.range(problems, prefix + ".streamLimitOverrides." + uid, limit, 0, 10_000);
        }
      });
    }
    if (priorities == null) {
      problems.add(prefix + ".priorities = null: must be an object of uid -> HIGH, MEDIUM, LOW or BANNED");
    } else {
      priorities.forEach((uid, p) -> {
        if (p == null) {
          problems.add(prefix + ".priorities." + uid + " = null: must be one of HIGH, MEDIUM, LOW, BANNED");
        }
      });
    }
    if (defaultPriority == null || defaultPriority == Priority.BANNED) {
      problems.add(prefix + ".defaultPriority = " + defaultPriority + ": must be one of HIGH, MEDIUM, LOW");
    }
    FeedbusOptions.range(problems, prefix + ".maxClientFieldLength", maxClientFieldLength, 1, 4096);
    if (clientFields == null || clientFields.stream().anyMatch(f -> f == null || f.isBlank() || f.length() > 64)) {
      problems.add(prefix + ".clientFields = " + clientFields + ": must be a list of field names of 1 to 64 characters");
    }
    if (additionalFields == null) {
      problems.add(prefix + ".additionalFields = null: must be an object");
    }
  }
}
