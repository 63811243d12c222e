package io.feedbus.store.rethinkdb;

import io.feedbus.FeedbusOptions;
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
  public Durability durability = Durability.hard;
  public long connectTimeoutMillis = 5_000;
  public long reconnectInitialDelayMillis = 200;
  public long reconnectMaxDelayMillis = 10_000;
  /**
   * How far before the last delivered cursor a resumed change stream re-reads: cursors are assigned
   * per node, so another node's event can commit a little later than a newer-cursor one.
   */
  public long resumeLookbackMillis = 2_000;
  /** Server-side changefeed buffer ({@code changefeed_queue_size}); null keeps the server default (100,000). */
  public Integer changefeedQueueSize;

  /** Adds a line per bad field to {@code problems}, each prefixed with {@code prefix}. */
  public void validate(String prefix, List<String> problems) {
    if (host == null || host.isBlank()) {
      problems.add(prefix + ".host = '" + host + "': must be a host name or address");
    }
    FeedbusOptions.range(problems, prefix + ".port", port, 1, 65535);
    if (database == null || !database.matches("\\w+")) {
      problems.add(prefix + ".database = '" + database + "': must be letters, digits or '_'");
    }
    for (String[] t : new String[][] {{"eventsTable", eventsTable}, {"connectionsTable", connectionsTable}, {"admissionTable", admissionTable}}) {
      if (t[1] == null || !t[1].matches("\\w+")) {
        problems.add(prefix + "." + t[0] + " = '" + t[1] + "': must be letters, digits or '_'");
      }
    }
    FeedbusOptions.range(problems, prefix + ".connectTimeoutMillis", connectTimeoutMillis, 1, 600_000);
    FeedbusOptions.range(problems, prefix + ".reconnectInitialDelayMillis", reconnectInitialDelayMillis, 1, 600_000);
    FeedbusOptions.range(problems, prefix + ".reconnectMaxDelayMillis", reconnectMaxDelayMillis, reconnectInitialDelayMillis, 3_600_000);
    FeedbusOptions.range(problems, prefix + ".resumeLookbackMillis", resumeLookbackMillis, 0, 3_600_000);
    if (changefeedQueueSize != null) {
      FeedbusOptions.range(problems, prefix + ".changefeedQueueSize", changefeedQueueSize, 1, 100_000_000);
    }
    if (durability == null) {
      problems.add(prefix + ".durability = null: must be one of hard, soft");
    }
    if (tls && caCertFile != null && !new java.io.File(caCertFile).isFile()) {
      problems.add(prefix + ".caCertFile = '" + caCertFile + "': not a readable file");
    }
  }
}
