package io.feedbus.testing;

import io.feedbus.store.rethinkdb.RethinkDbOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Broker processes clustered through Hazelcast (a cluster name of their own) on a fresh database
 * of the test RethinkDB; {@link #close()} stops them and drops the database.
 */
public final class BrokerCluster implements AutoCloseable {

  private final RethinkDbOptions rethinkdb;
  private final Path clusterConfig;
  private final List<BrokerProcess> nodes = new ArrayList<>();

  private BrokerCluster(RethinkDbOptions rethinkdb, Path clusterConfig) {
    this.rethinkdb = rethinkdb;
    this.clusterConfig = clusterConfig;
  }

  /** Starts {@code size} broker processes in {@code dir}, each with {@code extraArgs}; the test RethinkDB must be there. */
  public static BrokerCluster start(Path dir, int size, String... extraArgs) throws Exception {
    BrokerCluster cluster = new BrokerCluster(RethinkDbTesting.freshOptions(), TestNodes.clusterConfig(dir));
    Map<String, String> env = Map.of("FEEDBUS_STORE", "rethinkdb", "RETHINKDB_HOST", cluster.rethinkdb.host,
        "RETHINKDB_PORT", Integer.toString(cluster.rethinkdb.port), "RETHINKDB_DB", cluster.rethinkdb.database,
        "FEEDBUS_CLUSTER_CONFIG", cluster.clusterConfig.toString());
    try {
      for (int i = 0; i < size; i++) {
        String[] args = new String[extraArgs.length + 1];
        args[0] = "--cluster";
        System.arraycopy(extraArgs, 0, args, 1, extraArgs.length);
        cluster.nodes.add(BrokerProcess.start(dir.resolve("node-" + i), env, args));
      }
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public BrokerProcess node(int index) {
    return nodes.get(index);
  }

  public List<BrokerProcess> nodes() {
    return List.copyOf(nodes);
  }

  /** The node id node {@code index} printed when it started listening. */
  public String nodeId(int index) {
    return nodes.get(index).output().stream().filter(l -> l.contains(" listening on ")).findFirst().orElseThrow()
        .replaceAll(".*feedbus (\\S+) listening on.*", "$1");
  }

  /** The Hazelcast config the nodes use, for a member without a broker to join them. */
  public Path clusterConfig() {
    return clusterConfig;
  }

  @Override
  public void close() throws Exception {
    for (BrokerProcess node : nodes) {
      node.close();
    }
    RethinkDbTesting.dropDatabase(rethinkdb);
  }
}
