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
import java.util.function.Function;

/**
 * An event-bus codec for a value its sender gives up (immutable, or never touched again): on one
 * Vert.x the value itself goes to every consumer (no copy, no encoding); across a cluster its JSON
 * text, length-prefixed.
 */
public class ByReferenceCodec<T> implements MessageCodec<T, T> {

  /** The codecs each event bus has, by name: a bus refuses a second registration of one. */
  private static final Map<EventBus, Set<String>> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());

  private final String name;
  private final Function<T, String> text;
  private final Function<String, T> parse;

  /** A codec called {@code name} that writes a value as {@code text} gives it and reads it back with {@code parse}. */
  protected ByReferenceCodec(String name, Function<T, String> text, Function<String, T> parse) {
    this.name = name;
    this.text = text;
    this.parse = parse;
  }

  /**
   * Registers {@code codec} on {@code bus} the first time it is asked for that bus and name (however
   * many feeds, clients or routes of one bus ask): as the codec of every {@code defaultFor} value
   * when given, else by name only (senders name it in their delivery options).
   */
  protected static <T> void registerOnce(EventBus bus, MessageCodec<T, ?> codec, Class<T> defaultFor) {
    if (!REGISTERED.computeIfAbsent(bus, b -> Collections.synchronizedSet(new HashSet<>())).add(codec.name())) {
      return;
    }
    if (defaultFor != null) {
      bus.registerDefaultCodec(defaultFor, codec);
    } else {
      bus.registerCodec(codec);
    }
  }

  @Override
  public final void encodeToWire(Buffer buffer, T value) {
    writeText(buffer, text.apply(value));
  }

  @Override
  public final T decodeFromWire(int pos, Buffer buffer) {
    return parse.apply(readText(pos, buffer));
  }

  /** The wire form of these codecs: the text's UTF-8 length, then its bytes. */
  static void writeText(Buffer buffer, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  /** The text {@link #writeText} wrote at {@code pos}. */
  static String readText(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return buffer.getString(pos + 4, pos + 4 + length, "UTF-8");
  }

  @Override
  public final T transform(T value) {
    return value;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
