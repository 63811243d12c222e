package io.feedbus.bridge;

/**
 * One browser connected through the bridge, as the connection registry sees it.
 *
 * @param connectionId unique per socket
 * @param uid the token's subject, {@code anonymous}, or null when nobody is signed in
 * @param remoteAddress host:port of the browser (or the proxy in front of it)
 * @param connectedAt epoch ms
 */
public record BrowserConnection(String connectionId, String uid, String remoteAddress, long connectedAt) {

  public static final String TRANSPORT = "sockjs";
}
