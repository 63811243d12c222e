package io.feedbus.presence;

/** What the registry reports to whoever measures it (metrics); every method is optional. */
public interface PresenceObserver {

  PresenceObserver NONE = new PresenceObserver() { };

  /** A connection registration or a stream acquire was accepted or refused. */
  default void admission(boolean accepted) {
  }

  /** The live connections of this node, after each sweep and registration. */
  default void connectionsOnThisNode(long count) {
  }
}
