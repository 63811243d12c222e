package io.feedbus.store.rethinkdb.wire;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * A ReQL term in its JSON wire form {@code [type, [args...], {optargs}]}, built fluently
 * ({@code Reql.db("feedbus").table("events").get(id)}). Terms are immutable; every method returns a
 * new term. See {@link Reql} for the entry points and for how plain values become terms.
 */
public final class ReqlTerm {

  private final int type;
  private final JsonArray args;
  private final JsonObject optargs;

  ReqlTerm(int type, JsonArray args, JsonObject optargs) {
    this.type = type;
    this.args = args;
    this.optargs = optargs;
  }

  /** A plain value already in wire form. */
  static ReqlTerm datum(Object wire) {
    return new ReqlTerm(TermType.DATUM, new JsonArray().add(wire), null);
  }

  static ReqlTerm of(int type, Object... args) {
    JsonArray list = new JsonArray();
    for (Object arg : args) {
      list.add(Reql.wire(arg));
    }
    return new ReqlTerm(type, list, null);
  }

  private ReqlTerm on(int type, Object... more) {
    JsonArray list = new JsonArray().add(toWire());
    for (Object arg : more) {
      list.add(Reql.wire(arg));
    }
    return new ReqlTerm(type, list, null);
  }

  /** The same term with an optional argument ({@code index}, {@code durability}, ...) added. */
  public ReqlTerm opt(String name, Object value) {
    if (type == TermType.DATUM) {
      throw new IllegalStateException("a plain value takes no options");
    }
    JsonObject copy = optargs == null ? new JsonObject() : optargs.copy();
    copy.put(name, Reql.wire(value));
    return new ReqlTerm(type, args, copy);
  }

  /** The wire form: what the server parses. */
  public Object toWire() {
    if (type == TermType.DATUM) {
      return args.getValue(0);
    }
    JsonArray wire = new JsonArray().add(type).add(args);
    if (optargs != null && !optargs.isEmpty()) {
      wire.add(optargs);
    }
    return wire;
  }

  // ------------------------------------------------------------------ databases and tables

  public ReqlTerm table(String name) {
    return on(TermType.TABLE, name);
  }

  public ReqlTerm tableCreate(String name) {
    return on(TermType.TABLE_CREATE, name);
  }

  public ReqlTerm tableDrop(String name) {
    return on(TermType.TABLE_DROP, name);
  }

  public ReqlTerm tableList() {
    return on(TermType.TABLE_LIST);
  }

  /** Waits until a table (or every table of a database) is ready for reads and writes. */
  public ReqlTerm waitReady() {
    return on(TermType.WAIT);
  }

  public ReqlTerm indexCreate(String name, Function<ReqlTerm, ReqlTerm> function) {
    return on(TermType.INDEX_CREATE, name, Reql.func(function));
  }

  public ReqlTerm indexDrop(String name) {
    return on(TermType.INDEX_DROP, name);
  }

  public ReqlTerm indexWait(String... names) {
    return on(TermType.INDEX_WAIT, (Object[]) names);
  }

  public ReqlTerm indexList() {
    return on(TermType.INDEX_LIST);
  }

  // ------------------------------------------------------------------ selections

  public ReqlTerm get(Object key) {
    return on(TermType.GET, key);
  }

  public ReqlTerm getAll(Object... keys) {
    return on(TermType.GET_ALL, keys);
  }

  public ReqlTerm between(Object lower, Object upper) {
    return on(TermType.BETWEEN, lower, upper);
  }

  public ReqlTerm filter(Function<ReqlTerm, ReqlTerm> predicate) {
    return on(TermType.FILTER, Reql.func(predicate));
  }

  public ReqlTerm filter(JsonObject example) {
    return on(TermType.FILTER, example);
  }

  /** {@code orderBy()} with only an {@code index} optarg: add it with {@link #opt}. */
  public ReqlTerm orderBy(Object... keys) {
    return on(TermType.ORDER_BY, keys);
  }

  public ReqlTerm limit(int n) {
    return on(TermType.LIMIT, n);
  }

  public ReqlTerm changes() {
    return on(TermType.CHANGES);
  }

  // ------------------------------------------------------------------ writes

  public ReqlTerm insert(Object documents) {
    return on(TermType.INSERT, documents);
  }

  public ReqlTerm update(Object change) {
    return on(TermType.UPDATE, change instanceof Function ? Reql.func(asFunction(change)) : change);
  }

  public ReqlTerm replace(Function<ReqlTerm, ReqlTerm> change) {
    return on(TermType.REPLACE, Reql.func(change));
  }

  public ReqlTerm delete() {
    return on(TermType.DELETE);
  }

  // ------------------------------------------------------------------ values

  /** {@code row("field")}: a field of an object (or of every object of a sequence). */
  public ReqlTerm g(String field) {
    return on(TermType.GET_FIELD, field);
  }

  public ReqlTerm merge(Object other) {
    return on(TermType.MERGE, other);
  }

  public ReqlTerm pluck(String... fields) {
    return on(TermType.PLUCK, (Object[]) fields);
  }

  public ReqlTerm hasFields(String... fields) {
    return on(TermType.HAS_FIELDS, (Object[]) fields);
  }

  public ReqlTerm map(Function<ReqlTerm, ReqlTerm> function) {
    return on(TermType.MAP, Reql.func(function));
  }

  public ReqlTerm count() {
    return on(TermType.COUNT);
  }

  public ReqlTerm group(String field) {
    return on(TermType.GROUP, field);
  }

  public ReqlTerm ungroup() {
    return on(TermType.UNGROUP);
  }

  public ReqlTerm max(Object keyOrIndex) {
    return on(TermType.MAX, keyOrIndex);
  }

  public ReqlTerm coerceTo(String type) {
    return on(TermType.COERCE_TO, type);
  }

  public ReqlTerm typeOf() {
    return on(TermType.TYPE_OF);
  }

  public ReqlTerm defaultTo(Object value) {
    return on(TermType.DEFAULT, value);
  }

  public ReqlTerm toEpochTime() {
    return on(TermType.TO_EPOCH_TIME);
  }

  public ReqlTerm eq(Object other) {
    return on(TermType.EQ, other);
  }

  public ReqlTerm ne(Object other) {
    return on(TermType.NE, other);
  }

  public ReqlTerm lt(Object other) {
    return on(TermType.LT, other);
  }

  public ReqlTerm le(Object other) {
    return on(TermType.LE, other);
  }

  public ReqlTerm gt(Object other) {
    return on(TermType.GT, other);
  }

  public ReqlTerm ge(Object other) {
    return on(TermType.GE, other);
  }

  public ReqlTerm and(Object other) {
    return on(TermType.AND, other);
  }

  public ReqlTerm or(Object other) {
    return on(TermType.OR, other);
  }

  public ReqlTerm not() {
    return on(TermType.NOT);
  }

  public ReqlTerm add(Object other) {
    return on(TermType.ADD, other);
  }

  public ReqlTerm mul(Object other) {
    return on(TermType.MUL, other);
  }

  @SuppressWarnings("unchecked")
  private static Function<ReqlTerm, ReqlTerm> asFunction(Object change) {
    return (Function<ReqlTerm, ReqlTerm>) change;
  }

  @Override
  public String toString() {
    return String.valueOf(io.vertx.core.json.Json.encode(toWire()));
  }
}
