package io.feedbus.store.rethinkdb.wire;

/** The ReQL term types feedbus uses, numbered as in RethinkDB's {@code ql2.proto}. */
final class TermType {

  /** Not a wire type: marks a plain value wrapped as a term. */
  static final int DATUM = 1;
  static final int MAKE_ARRAY = 2;
  static final int VAR = 10;
  static final int ERROR = 12;
  static final int DB = 14;
  static final int TABLE = 15;
  static final int GET = 16;
  static final int EQ = 17;
  static final int NE = 18;
  static final int LT = 19;
  static final int LE = 20;
  static final int GT = 21;
  static final int GE = 22;
  static final int NOT = 23;
  static final int ADD = 24;
  static final int MUL = 26;
  static final int GET_FIELD = 31;
  static final int HAS_FIELDS = 32;
  static final int PLUCK = 33;
  static final int MERGE = 35;
  static final int MAP = 38;
  static final int FILTER = 39;
  static final int ORDER_BY = 41;
  static final int COUNT = 43;
  static final int COERCE_TO = 51;
  static final int TYPE_OF = 52;
  static final int UPDATE = 53;
  static final int DELETE = 54;
  static final int REPLACE = 55;
  static final int INSERT = 56;
  static final int DB_CREATE = 57;
  static final int DB_DROP = 58;
  static final int DB_LIST = 59;
  static final int TABLE_CREATE = 60;
  static final int TABLE_DROP = 61;
  static final int TABLE_LIST = 62;
  static final int BRANCH = 65;
  static final int OR = 66;
  static final int AND = 67;
  static final int FUNC = 69;
  static final int LIMIT = 71;
  static final int ASC = 73;
  static final int DESC = 74;
  static final int INDEX_CREATE = 75;
  static final int INDEX_DROP = 76;
  static final int INDEX_LIST = 77;
  static final int GET_ALL = 78;
  static final int DEFAULT = 92;
  static final int JSON = 98;
  static final int TO_EPOCH_TIME = 102;
  static final int NOW = 103;
  static final int INDEX_WAIT = 140;
  static final int GROUP = 144;
  static final int MAX = 148;
  static final int UNGROUP = 150;
  static final int CHANGES = 152;
  static final int WAIT = 177;
  static final int MINVAL = 180;
  static final int MAXVAL = 181;
  static final int BETWEEN = 182;

  private TermType() {
  }
}
