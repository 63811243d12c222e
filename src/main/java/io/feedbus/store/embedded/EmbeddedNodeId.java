package io.feedbus.store.embedded;

import io.feedbus.ConfigException;
import io.feedbus.event.Nodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The node id kept in an embedded data directory ({@code node-id}): generated on the first start and
 * read on every later one, so counts per server and the node tag of cursors survive restarts.
 */
public final class EmbeddedNodeId {

  /** The file in the data directory that holds the id. */
  public static final String FILE = "node-id";

  private EmbeddedNodeId() {
  }

  /** The id stored in {@code dataDir}, or a new one written there first. */
  public static Future<String> load(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> {
      Path file = dataDir.resolve(FILE);
      if (Files.exists(file)) {
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!id.matches("[A-Za-z0-9_.:\\-]{1,64}")) {
          throw new ConfigException(file + " holds '" + id + "', not a node id: correct it, remove it for a new one,"
              + " or set nodeId");
        }
        return id;
      }
      Files.createDirectories(dataDir);
      String id = Nodes.newId();
      // Written whole or not at all: a crash while writing leaves no half id behind.
      Path partial = Files.createTempFile(dataDir, FILE, ".tmp");
      Files.writeString(partial, id + "\n", StandardCharsets.UTF_8);
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
      return id;
    }, false);
  }
}
