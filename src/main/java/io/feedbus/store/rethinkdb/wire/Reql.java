package io.feedbus.store.rethinkdb.wire;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Entry points of the ReQL builder ({@code Reql.db(...)}, {@code Reql.branch(...)}, ...) and the
 * rule for plain values: strings, numbers, booleans and null are data as they are; objects
 * ({@link JsonObject}, {@link Map}) are object literals whose values may be terms; arrays
 * ({@link JsonArray}, {@link List}) become {@code MAKE_ARRAY} terms; lambdas become functions.
 */
public final class Reql {

  private static final AtomicInteger VARIABLES = new AtomicInteger();

  private Reql() {
  }

  /** A function of three arguments, as an insert's {@code conflict} option takes. */
  @FunctionalInterface
  public interface Function3 {
    ReqlTerm apply(ReqlTerm id, ReqlTerm existing, ReqlTerm incoming);
  }

  public static ReqlTerm db(String name) {
    return ReqlTerm.of(TermType.DB, name);
  }

  public static ReqlTerm dbCreate(String name) {
    return ReqlTerm.of(TermType.DB_CREATE, name);
  }

  public static ReqlTerm dbDrop(String name) {
    return ReqlTerm.of(TermType.DB_DROP, name);
  }

  public static ReqlTerm dbList() {
    return ReqlTerm.of(TermType.DB_LIST);
  }

  public static ReqlTerm branch(Object condition, Object then, Object otherwise) {
    return ReqlTerm.of(TermType.BRANCH, condition, then, otherwise);
  }

  /** A query that fails with {@code message} when evaluated (a user error). */
  public static ReqlTerm error(String message) {
    return ReqlTerm.of(TermType.ERROR, message);
  }

  /** The server's clock at the start of the query. */
  public static ReqlTerm now() {
    return ReqlTerm.of(TermType.NOW);
  }

  /** A JSON text parsed by the server into a value. */
  public static ReqlTerm json(String text) {
    return ReqlTerm.of(TermType.JSON, text);
  }

  public static ReqlTerm array(Object... elements) {
    return ReqlTerm.of(TermType.MAKE_ARRAY, elements);
  }

  /**
   * An array of objects whose values are all strings, numbers, booleans, null or arrays of those,
   * sent as they are but for the arrays, which become {@code MAKE_ARRAY} terms (in place: the objects
   * are the query's from then on). No conversion of every value: how large inserts stay cheap to build.
   */
  public static ReqlTerm arrayOfFlatObjects(List<JsonObject> objects) {
    for (JsonObject object : objects) {
      for (Map.Entry<String, Object> field : object.getMap().entrySet()) {
        if (field.getValue() instanceof JsonArray array) {
          field.setValue(new JsonArray().add(TermType.MAKE_ARRAY).add(array));
        }
      }
    }
    return ReqlTerm.datum(new JsonArray().add(TermType.MAKE_ARRAY).add(new JsonArray(new java.util.ArrayList<>(objects))));
  }

  public static ReqlTerm minval() {
    return ReqlTerm.of(TermType.MINVAL);
  }

  public static ReqlTerm maxval() {
    return ReqlTerm.of(TermType.MAXVAL);
  }

  public static ReqlTerm asc(String field) {
    return ReqlTerm.of(TermType.ASC, field);
  }

  public static ReqlTerm desc(String field) {
    return ReqlTerm.of(TermType.DESC, field);
  }

  /** Any value as a term (see the class comment for the rules), so fluent calls can follow. */
  public static ReqlTerm expr(Object value) {
    if (value instanceof ReqlTerm) {
      return (ReqlTerm) value;
    }
    return ReqlTerm.datum(wire(value));
  }

  public static ReqlTerm func(Function<ReqlTerm, ReqlTerm> body) {
    int x = VARIABLES.incrementAndGet();
    return ReqlTerm.of(TermType.FUNC, array(x), body.apply(variable(x)));
  }

  public static ReqlTerm func(Function3 body) {
    int a = VARIABLES.incrementAndGet();
    int b = VARIABLES.incrementAndGet();
    int c = VARIABLES.incrementAndGet();
    return ReqlTerm.of(TermType.FUNC, array(a, b, c), body.apply(variable(a), variable(b), variable(c)));
  }

  private static ReqlTerm variable(int id) {
    return ReqlTerm.of(TermType.VAR, id);
  }

  /** A value in the form the server parses as a term argument. */
  @SuppressWarnings("unchecked")
  static Object wire(Object value) {
    if (value instanceof ReqlTerm) {
      return ((ReqlTerm) value).toWire();
    }
    if (value instanceof Function3) {
      return func((Function3) value).toWire();
    }
    if (value instanceof Function) {
      return func((Function<ReqlTerm, ReqlTerm>) value).toWire();
    }
    if (value instanceof JsonObject) {
      value = ((JsonObject) value).getMap();
    }
    if (value instanceof Map) {
      JsonObject object = new JsonObject();
      ((Map<?, ?>) value).forEach((k, v) -> object.put(String.valueOf(k), wire(v)));
      return object;
    }
    if (value instanceof JsonArray) {
      value = ((JsonArray) value).getList();
    }
    if (value instanceof List) {
      JsonArray elements = new JsonArray();
      for (Object element : (List<?>) value) {
        elements.add(wire(element));
      }
      return new JsonArray().add(TermType.MAKE_ARRAY).add(elements);
    }
    if (value instanceof Object[]) {
      return wire(List.of((Object[]) value));
    }
    return value;
  }
}
