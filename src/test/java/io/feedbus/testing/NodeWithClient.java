package io.feedbus.testing;

import static io.feedbus.testing.TestNodes.await;

import io.feedbus.Feedbus;
import io.feedbus.client.FeedbusClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A test class's fixture: a node on the test's Vert.x with the default test options, and a client of it; closed after each test. */
@ExtendWith(VertxExtension.class)
public abstract class NodeWithClient {

  @TempDir
  protected Path dir;
  protected Feedbus node;
  protected FeedbusClient client;

  @BeforeEach
  void startNode(Vertx vertx) throws Exception {
    node = TestNodes.start(vertx, dir);
    client = FeedbusClient.create(vertx);
  }

  @AfterEach
  void closeNode() throws Exception {
    await(node.close());
  }
}
