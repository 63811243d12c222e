package io.feedbus.bridge;

/**
 * One browser connected through the bridge, as the connection registry sees it.
 *
 * @param connectionId unique per socket
 * @param uid the token's subject, {@code anonymous}, or null when nobody is signed in
 * @param remoteAddress host:port of the browser (or the proxy in front of it)
 * @param connectedAt epoch ms
 * @param query the query parameters of the URL the browser connected to (where it may set its own connection fields)
 * @param tokenFields the connection fields its token sets, which win over the query's
 */
public record BrowserConnection(String connectionId, String uid, String remoteAddress, long connectedAt,
                                java.util.Map<String, java.util.List<String>> query, java.util.Map<String, String> tokenFields) {

  public BrowserConnection {
    query = query == null ? java.util.Map.of() : java.util.Map.copyOf(query);
    tokenFields = tokenFields == null ? java.util.Map.of() : java.util.Map.copyOf(tokenFields);
  }

  public static final String TRANSPORT = "sockjs";
}
