package io.feedbus.store.rethinkdb.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire form of terms, as RethinkDB's JSON protocol spells it. */
class ReqlTermTest {

  @Test
  void aTableQueryWithOptionalArgumentsHasTheProtocolsShape() {
    ReqlTerm query = Reql.db("feedbus").table("events").between("a", "b").opt("left_bound", "open");
    assertThat(query.toString()).isEqualTo("[182,[[15,[[14,[\"feedbus\"]],\"events\"]],\"a\",\"b\"],{\"left_bound\":\"open\"}]");
  }

  @Test
  void arraysBecomeMakeArrayAndObjectsStayLiterals() {
    Object wire = Reql.expr(new JsonObject().put("tags", List.of("x", "y")).put("n", 1)).toWire();
    assertThat(wire).isEqualTo(new JsonObject().put("tags", new JsonArray().add(2).add(new JsonArray().add("x").add("y"))).put("n", 1));
  }

  @Test
  void lambdasBecomeFunctionsOfNumberedVariables() {
    JsonArray wire = (JsonArray) Reql.func(row -> row.g("n")).toWire();
    assertThat(wire.getInteger(0)).isEqualTo(69);
    JsonArray args = wire.getJsonArray(1);
    int variable = args.getJsonArray(0).getJsonArray(1).getInteger(0);
    assertThat(args.getJsonArray(1).encode()).isEqualTo("[31,[[10,[" + variable + "]],\"n\"]]");
  }

  @Test
  void flatObjectsAreSentAsTheyAre() {
    JsonObject doc = new JsonObject().put("id", "1").put("json", "{\"a\":[1]}");
    assertThat(Reql.arrayOfFlatObjects(List.of(doc)).toString()).isEqualTo("[2,[{\"id\":\"1\",\"json\":\"{\\\"a\\\":[1]}\"}]]");
  }
}
