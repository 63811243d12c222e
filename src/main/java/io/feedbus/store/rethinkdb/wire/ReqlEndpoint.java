package io.feedbus.store.rethinkdb.wire;

/**
 * Where and how to connect: address, account, TLS (with a CA certificate file, or the JVM's trust
 * store when {@code caCertFile} is null), and how long a connection attempt and a query may take
 * ({@code queryTimeoutMillis} 0: no limit).
 */
public record ReqlEndpoint(String host, int port, String user, String password, boolean tls, String caCertFile,
                           long connectTimeoutMillis, long queryTimeoutMillis) {

  public String address() {
    return host + ":" + port;
  }
}
