package io.feedbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config: file, then environment, then overrides; every error names the field and the value. */
class FeedbusOptionsTest {

  @Test
  void theShippedConfigFileLoadsAndMatchesTheDefaults() {
    FeedbusOptions shipped = FeedbusOptions.load(Path.of("conf/feedbus.json"), Map.of(), Map.of());
    assertThat(shipped.store().type).isEqualTo(FeedbusOptions.StoreType.embedded);
    assertThat(shipped.http().port).isEqualTo(8080);
    assertThat(shipped.publish().maxPayloadBytes).isEqualTo(1024 * 1024);
  }

  @Test
  void environmentOverridesTheFileAndOverridesOverrideTheEnvironment() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("port", 9000));
    FeedbusOptions fromEnv = FeedbusOptions.load(file, Map.of("FEEDBUS_HTTP_PORT", "9100", "FEEDBUS_DATA_DIR", "/tmp/x"), Map.of());
    assertThat(fromEnv.http().port).isEqualTo(9100);
    assertThat(fromEnv.store().embedded.dataDir).isEqualTo("/tmp/x");
    FeedbusOptions fromFlag = FeedbusOptions.load(file, Map.of("FEEDBUS_HTTP_PORT", "9100"), Map.of("http.port", "9200"));
    assertThat(fromFlag.http().port).isEqualTo(9200);
  }

  @Test
  void eventLoopsDefaultToOnePerCoreAndComeFromTheEnvironmentWithinRange() {
    assertThat(FeedbusOptions.load((JsonObject) null, Map.of(), Map.of()).ops().eventLoops)
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(FeedbusOptions.load((JsonObject) null, Map.of("FEEDBUS_EVENT_LOOPS", "3"), Map.of()).ops().eventLoops).isEqualTo(3);
    assertThatThrownBy(() -> FeedbusOptions.load((JsonObject) null, Map.of("FEEDBUS_EVENT_LOOPS", "0"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ops.eventLoops = 0: must be between 1 and 1024");
  }

  @Test
  void rethinkdbIsSelectedByEnvironment() {
    FeedbusOptions options = FeedbusOptions.load((JsonObject) null,
        Map.of("FEEDBUS_STORE", "rethinkdb", "RETHINKDB_HOST", "db.local", "RETHINKDB_PORT", "28016"), Map.of());
    assertThat(options.store().type).isEqualTo(FeedbusOptions.StoreType.rethinkdb);
    assertThat(options.store().rethinkdb.host).isEqualTo("db.local");
    assertThat(options.store().rethinkdb.port).isEqualTo(28016);
  }

  @Test
  void aValueOfTheWrongTypeNamesTheFieldAndValue() {
    assertThatThrownBy(() -> FeedbusOptions.load((JsonObject) null, Map.of("FEEDBUS_HTTP_PORT", "eighty"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.port").hasMessageContaining("eighty");
  }

  @Test
  void anOutOfRangeValueNamesTheFieldAndValue() {
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("http", new JsonObject().put("port", 70000))))
        .isInstanceOf(ConfigException.class).hasMessage("invalid config: http.port = 70000: must be between 0 and 65535");
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("publish", new JsonObject().put("maxPayloadBytes", 0))))
        .hasMessageContaining("publish.maxPayloadBytes = 0");
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("history", new JsonObject().put("maxLiveBuffer", 0))))
        .hasMessageContaining("history.maxLiveBuffer = 0: must be between 1 and 1000000");
  }

  @Test
  void anUnknownStoreTypeListsTheAcceptedOnes() {
    assertThatThrownBy(() -> FeedbusOptions.load((JsonObject) null, Map.of("FEEDBUS_STORE", "mongo"), Map.of()))
        .hasMessageContaining("store.type = 'mongo'").hasMessageContaining("embedded").hasMessageContaining("rethinkdb");
  }

  @Test
  void unknownFieldsAreRefusedByPath() {
    assertThatThrownBy(() -> FeedbusOptions.fromJson(new JsonObject().put("http", new JsonObject().put("prot", 1))))
        .hasMessage("invalid config: unknown field 'http.prot'");
    assertThatThrownBy(() -> FeedbusOptions.load((JsonObject) null, Map.of(), Map.of("http.nope", "1")))
        .hasMessageContaining("unknown field 'http.nope'");
  }

  @Test
  void aConfigFileThatIsNotJsonSaysSo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{ http: ");
    assertThatThrownBy(() -> FeedbusOptions.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("is not valid JSON");
  }

  @Test
  void optionsRoundTripThroughJson() {
    FeedbusOptions options = FeedbusOptions.load((JsonObject) null, Map.of("FEEDBUS_HTTP_PORT", "1234"), Map.of());
    assertThat(FeedbusOptions.fromJson(options.toJson()).toJson()).isEqualTo(options.toJson());
  }

  @Test
  void everyInvalidFieldIsNamedInOneMessage() {
    JsonObject file = new JsonObject().put("publish", new JsonObject().put("maxPayloadBytes", 0))
        .put("history", new JsonObject().put("maxLimit", "many"));
    assertThatThrownBy(() -> FeedbusOptions.load(file, Map.of("FEEDBUS_STORE", "mongo"), Map.of("http.port", "70000", "http.nope", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("publish.maxPayloadBytes = 0")
        .hasMessageContaining("history.maxLimit = 'many'")
        .hasMessageContaining("store.type = 'mongo'")
        .hasMessageContaining("http.port = 70000")
        .hasMessageContaining("unknown field 'http.nope'");
  }
}
