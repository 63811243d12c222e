package io.feedbus.event;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * An event-bus codec for an immutable value: on one Vert.x the value itself goes to every consumer
 * (no copy, no encoding); across a cluster its JSON text, length-prefixed.
 */
public abstract class ByReferenceCodec<T> implements MessageCodec<T, T> {

  /** The codecs each event bus has, by name: a bus refuses a second registration of one. */
  private static final Map<EventBus, Set<String>> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * True the first time it is asked for {@code bus} and this codec's name: the caller registers the
   * codec then (however many feeds or clients of one bus ask).
   */
  protected final boolean firstOn(EventBus bus) {
    return REGISTERED.computeIfAbsent(bus, b -> Collections.synchronizedSet(new HashSet<>())).add(name());
  }

  /** The value's JSON text, for the wire. */
  protected abstract String text(T value);

  /** The value from the text {@link #text} gave. */
  protected abstract T parse(String text);

  @Override
  public final void encodeToWire(Buffer buffer, T value) {
    byte[] text = text(value).getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(text.length).appendBytes(text);
  }

  @Override
  public final T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return parse(buffer.getString(pos + 4, pos + 4 + length, "UTF-8"));
  }

  @Override
  public final T transform(T value) {
    return value;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
