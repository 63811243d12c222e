package io.feedbus.store.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The embedded engine's write-ahead journal: append-only files of records
 * {@code [int length][int CRC-32C of the payload][payload]}, numbered {@code 00000001.wal},
 * {@code 00000002.wal}, ... An append of a batch is one write (and one fsync when asked), which is
 * what makes an acknowledgement cheap; the MVStore index is brought up to date later, in large
 * batches, after which the journal files it covers are deleted.
 *
 * <p>Recovery reads every file in order and stops at the first record that is short or fails its
 * checksum: a write torn by a crash was never acknowledged (the ack follows the write, and the
 * fsync when configured), so the torn tail is cut off.
 *
 * <p>Rolling to a new file is split so that the writer thread, which every acknowledgement waits
 * for, does no file-system work in it: {@link #prepareRoll} creates the next file and syncs its
 * directory entry (on the indexer's thread), {@link #roll} only switches appends to it, and the
 * caller closes the previous file afterwards. The previous file needs no fsync at the roll: with
 * fsync on, every append forced its records already; with it off, nothing is forced anywhere.
 *
 * <p>Not thread-safe: {@link #append} and {@link #roll} run on the engine's writer thread, one
 * {@link #prepareRoll} at a time before its roll; {@link #deleteThrough} touches only files closed
 * by a roll.
 */
final class Journal implements AutoCloseable {

  static final int HEADER = 8;
  /** Larger than any event the broker accepts; a length beyond it is corruption, not a record. */
  static final int MAX_RECORD = 256 * 1024 * 1024;

  private final Path dir;
  /** The number of the file appends go to: set by the writer thread's roll, read by the next {@link #prepareRoll}. */
  private volatile long sequence;
  private FileChannel channel;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
  private final CRC32C crc = new CRC32C();
  /** Tests: what every append throws once its records are written, as a disk that reports EIO on fsync (null: none). */
  private IOException forceFailure;

  private Journal(Path dir, long sequence) throws IOException {
    this.dir = dir;
    this.sequence = sequence;
    this.channel = open(sequence);
  }

  /** What recovery found: every intact record, in write order, and the files they came from. */
  record Recovered(List<byte[]> records, List<Path> files, long lastSequence, int tornBytes) {
  }

  /** Reads every journal file in {@code dir} (cutting a torn tail off the last one) without opening for writes. */
  static Recovered recover(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> files = files(dir);
    List<byte[]> records = new ArrayList<>();
    long last = 0;
    int torn = 0;
    CRC32C crc = new CRC32C();
    for (Path file : files) {
      last = Math.max(last, sequenceOf(file));
      byte[] bytes = Files.readAllBytes(file);
      ByteBuffer in = ByteBuffer.wrap(bytes);
      while (in.remaining() >= HEADER) {
        int start = in.position();
        int length = in.getInt();
        int sum = in.getInt();
        if (length < 0 || length > MAX_RECORD || length > in.remaining()) {
          in.position(start);
          break;
        }
        byte[] payload = new byte[length];
        in.get(payload);
        crc.reset();
        crc.update(payload);
        if ((int) crc.getValue() != sum) {
          in.position(start);
          break;
        }
        records.add(payload);
      }
      if (in.position() < bytes.length) {
        torn += bytes.length - in.position();
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
          c.truncate(in.position());
          c.force(true);
        }
      }
    }
    return new Recovered(records, files, last, torn);
  }

  /** A new journal file after {@code lastSequence} (what recovery saw) in {@code dir}. */
  static Journal create(Path dir, long lastSequence) throws IOException {
    Files.createDirectories(dir);
    return new Journal(dir, lastSequence + 1);
  }

  /** Appends records as one write; {@code sync}: forced to disk before this returns. */
  void append(List<byte[]> records, boolean sync) throws IOException {
    int size = 0;
    for (byte[] r : records) {
      size += HEADER + r.length;
    }
    if (buffer.capacity() < size) {
      buffer = ByteBuffer.allocateDirect(Math.max(size, buffer.capacity() * 2));
    }
    buffer.clear();
    for (byte[] r : records) {
      crc.reset();
      crc.update(r);
      buffer.putInt(r.length).putInt((int) crc.getValue()).put(r);
    }
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    if (forceFailure != null) {
      throw forceFailure;
    }
    if (sync) {
      channel.force(false);
    }
  }

  /** Makes every later {@link #append} fail with {@code failure} after its write (tests: a disk failing its fsyncs). */
  void failForces(IOException failure) {
    forceFailure = failure;
  }

  /** A file created ahead of a roll, its directory entry durable. */
  record Next(long sequence, FileChannel channel) {
  }

  /** The file a roll left: nothing is appended to it any more; the caller closes it. */
  record Rolled(long sequence, FileChannel channel) {
  }

  /**
   * Creates the file the next {@link #roll} switches to, off the writer thread. An empty file left by
   * a crash before the roll is harmless: recovery reads it as no records, and the journal after it
   * starts past its number.
   */
  Next prepareRoll() throws IOException {
    long next = sequence + 1;
    return new Next(next, open(next));
  }

  /** On the writer thread: later appends go to {@code next}; no I/O. */
  Rolled roll(Next next) {
    Rolled rolled = new Rolled(sequence, channel);
    channel = next.channel();
    sequence = next.sequence();
    return rolled;
  }

  /** Deletes the files of {@code dir} up to and including {@code sequence} (closed by a roll: the writer is past them). */
  static void deleteThrough(Path dir, long sequence) throws IOException {
    for (Path file : files(dir)) {
      if (sequenceOf(file) <= sequence) {
        Files.deleteIfExists(file);
      }
    }
  }

  /** Deletes files a recovery read, once what they held is safe elsewhere. */
  static void delete(List<Path> files) throws IOException {
    for (Path file : files) {
      Files.deleteIfExists(file);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static final boolean DIRECTORIES_CAN_BE_SYNCED = !System.getProperty("os.name", "").startsWith("Windows");

  private FileChannel open(long seq) throws IOException {
    FileChannel c = FileChannel.open(dir.resolve(String.format("%08d.wal", seq)), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    // The new file's directory entry is durable before any record in it is acknowledged. A failure
    // to sync it fails the open (and so the append) like any other I/O error; only Windows, which
    // cannot open a directory as a channel, relies on the file's own fsync.
    if (DIRECTORIES_CAN_BE_SYNCED) {
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        c.close();
        throw e;
      }
    }
    return c;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.getFileName().toString().matches("\\d{8,}\\.wal")).sorted().toList();
    }
  }

  private static long sequenceOf(Path file) {
    String name = file.getFileName().toString();
    return Long.parseLong(name.substring(0, name.length() - 4));
  }
}
