package io.feedbus.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.presence.ConnectionRecord;
import io.feedbus.presence.Priority;
import io.feedbus.store.ConnectionFilter;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConnectionIndexTest {

  private static final String[] SERVERS = {"node-a", "node-b", "node-c"};
  private static final String[] UIDS = {"alice", "bob", "carol", "dave"};
  private static final String[] TRANSPORTS = {"sse", "websocket"};

  private static ConnectionRecord record(Random random, String id, long lastSeen) {
    return new ConnectionRecord(id, SERVERS[random.nextInt(SERVERS.length)], UIDS[random.nextInt(UIDS.length)],
        TRANSPORTS[random.nextInt(TRANSPORTS.length)], 0, lastSeen, Priority.MEDIUM, false, new JsonObject());
  }

  @Test
  void countsEqualAScanOfTheRecordsThroughPutsTouchesMovesAndRemoves() {
    Random random = new Random(42);
    ConnectionIndex index = new ConnectionIndex();
    List<String> ids = new ArrayList<>();
    for (int step = 0; step < 5_000; step++) {
      long now = 1_000 + step;
      int op = random.nextInt(10);
      if (op < 4 || ids.isEmpty()) {
        String id = "c" + step;
        ids.add(id);
        assertThat(index.put(record(random, id, now - random.nextInt(50)))).isNull();
      } else if (op < 7) {
        // A heartbeat, same node and uid, later time.
        ConnectionRecord old = index.get(ids.get(random.nextInt(ids.size())));
        assertThat(index.put(old.seenAt(now))).isEqualTo(old);
      } else if (op < 8) {
        // The same id upserted from another node, uid and time.
        String id = ids.get(random.nextInt(ids.size()));
        assertThat(index.put(record(random, id, now - random.nextInt(50)))).isNotNull();
      } else {
        String id = ids.remove(random.nextInt(ids.size()));
        assertThat(index.remove(id).connectionId()).isEqualTo(id);
        assertThat(index.remove(id)).isNull();
      }
      if (step % 50 == 0) {
        assertCountsMatchScan(index, now - 30);
        assertCountsMatchScan(index, Long.MIN_VALUE);
        assertCountsMatchScan(index, Long.MAX_VALUE);
      }
    }
    assertThat(index.values()).hasSize(ids.size());
  }

  private static void assertCountsMatchScan(ConnectionIndex index, long since) {
    List<ConnectionFilter> filters = new ArrayList<>();
    filters.add(ConnectionFilter.all(since));
    for (String server : SERVERS) {
      filters.add(new ConnectionFilter(server, null, null, since));
      filters.add(new ConnectionFilter(server, UIDS[0], null, since));
    }
    for (String uid : UIDS) {
      filters.add(new ConnectionFilter(null, uid, null, since));
      filters.add(new ConnectionFilter(null, uid, TRANSPORTS[1], since));
    }
    filters.add(new ConnectionFilter("nobody's node", null, null, since));
    filters.add(new ConnectionFilter(null, "nobody", null, since));
    for (ConnectionFilter filter : filters) {
      long scanned = index.values().stream().filter(filter::matches).count();
      assertThat(index.count(filter)).as(filter.toString()).isEqualTo(scanned);
    }
    Map<String, Long> byServer = new TreeMap<>();
    index.values().stream().filter(c -> c.lastSeen() >= since).forEach(c -> byServer.merge(c.serverId(), 1L, Long::sum));
    assertThat(index.countByServer(since)).isEqualTo(byServer);
  }
}
