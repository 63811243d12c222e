package io.feedbus.store.rethinkdb;

import io.feedbus.FeedbusOptions;
import io.feedbus.store.rethinkdb.wire.ReqlEndpoint;
import java.util.List;

/** Settings of the RethinkDB engine ({@code store.rethinkdb} in the config). */
public final class RethinkDbOptions {

  /** Write durability RethinkDB acknowledges: hard (on disk) or soft (in memory). */
  public enum Durability { hard, soft }

  public String host = "127.0.0.1";
  public int port = 28015;
  public String database = "feedbus";
  public String user = "admin";
  public String password = "";
  public boolean tls = false;
  public String caCertFile;
  public String eventsTable = "events";
  public String connectionsTable = "connections";
  public String admissionTable = "admission";
  /** Run-time registry settings (caps, draining, priorities, bans), shared by every node. */
  public String settingsTable = "settings";
  /** One document per running writer: its commit frontier and heartbeat (see {@code NodeFrontiers}). */
  public String nodesTable = "nodes";
  public Durability durability = Durability.hard;
  public long connectTimeoutMillis = 5_000;
  public long reconnectInitialDelayMillis = 200;
  public long reconnectMaxDelayMillis = 10_000;
  /** How long a query may take before it fails with {@code store_unavailable}. */
  public long queryTimeoutMillis = 10_000;
  /** How often a node writes its commit frontier when nothing else made it write. */
  public long heartbeatIntervalMillis = 1_000;
  /**
   * How long a node may stay silent before the others fence it (its later writes fail) and stop
   * waiting for its frontier: the longest delivery pause a killed node causes.
   */
  public long nodeExpiryMillis = 5_000;
  /**
   * How many inserts a node keeps in flight at once. One, with the publish path's commit delay,
   * makes the largest inserts, which is what this server rewards most (see the README's figures).
   */
  public int writesInFlight = 1;
  /** The largest insert sent at once, in bytes of JSON; a larger batch goes as several inserts. */
  public int maxInsertBytes = 4 * 1024 * 1024;

  /** {@code host:port}, for messages. */
  public String address() {
    return host + ":" + port;
  }

  /** Where and how the wire client connects. */
  public ReqlEndpoint endpoint() {
    return new ReqlEndpoint(host, port, user, password == null ? "" : password, tls, caCertFile,
        connectTimeoutMillis, queryTimeoutMillis);
  }

  /** Adds a line per bad field to {@code problems}, each prefixed with {@code prefix}. */
  public void validate(String prefix, List<String> problems) {
    if (host == null || host.isBlank()) {
      problems.add(prefix + ".host = '" + host + "': must be a host name or address");
    }
    FeedbusOptions.range(problems, prefix + ".port", port, 1, 65535);
    if (database == null || !database.matches("\\w+")) {
      problems.add(prefix + ".database = '" + database + "': must be letters, digits or '_'");
    }
    for (String[] t : new String[][] {{"eventsTable", eventsTable}, {"connectionsTable", connectionsTable},
        {"admissionTable", admissionTable}, {"nodesTable", nodesTable}, {"settingsTable", settingsTable}}) {
      if (t[1] == null || !t[1].matches("\\w+")) {
        problems.add(prefix + "." + t[0] + " = '" + t[1] + "': must be letters, digits or '_'");
      }
    }
    FeedbusOptions.range(problems, prefix + ".connectTimeoutMillis", connectTimeoutMillis, 1, 600_000);
    FeedbusOptions.range(problems, prefix + ".reconnectInitialDelayMillis", reconnectInitialDelayMillis, 1, 600_000);
    FeedbusOptions.range(problems, prefix + ".reconnectMaxDelayMillis", reconnectMaxDelayMillis, reconnectInitialDelayMillis, 3_600_000);
    FeedbusOptions.range(problems, prefix + ".queryTimeoutMillis", queryTimeoutMillis, 100, 3_600_000);
    FeedbusOptions.range(problems, prefix + ".heartbeatIntervalMillis", heartbeatIntervalMillis, 10, 60_000);
    FeedbusOptions.range(problems, prefix + ".nodeExpiryMillis", nodeExpiryMillis, 3 * heartbeatIntervalMillis, 3_600_000);
    FeedbusOptions.range(problems, prefix + ".writesInFlight", writesInFlight, 1, 64);
    FeedbusOptions.range(problems, prefix + ".maxInsertBytes", maxInsertBytes, 65_536, 64 * 1024 * 1024);
    if (durability == null) {
      problems.add(prefix + ".durability = null: must be one of hard, soft");
    }
    if (tls && caCertFile != null && !new java.io.File(caCertFile).isFile()) {
      problems.add(prefix + ".caCertFile = '" + caCertFile + "': not a readable file");
    }
  }
}
