package io.feedbus.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write-ahead journal's file format: records come back in order, and a torn or corrupt tail is cut. */
class JournalTest {

  @TempDir
  Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(Journal.Recovered recovered) {
    return recovered.records().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void recordsComeBackInWriteOrderAcrossRolledFiles() throws Exception {
    Journal journal = Journal.create(dir, 0);
    journal.append(List.of(bytes("a"), bytes("b")), true);
    Journal.Rolled rolled = journal.roll(journal.prepareRoll());
    rolled.channel().close();
    long first = rolled.sequence();
    journal.append(List.of(bytes("c")), false);
    journal.close();
    Journal.Recovered recovered = Journal.recover(dir);
    assertThat(strings(recovered)).containsExactly("a", "b", "c");
    assertThat(recovered.files()).hasSize(2);
    assertThat(recovered.lastSequence()).isEqualTo(first + 1);
    assertThat(recovered.tornBytes()).isZero();
    Journal.deleteThrough(dir, first);
    assertThat(strings(Journal.recover(dir))).containsExactly("c");
  }

  @Test
  void aFileCreatedForARollThatNeverCameIsRecoveredAsEmptyAndNumbersGoOnPastIt() throws Exception {
    Journal journal = Journal.create(dir, 0);
    journal.append(List.of(bytes("a")), true);
    Journal.Next next = journal.prepareRoll(); // the crash comes before the roll
    next.channel().close();
    journal.close();
    Journal.Recovered recovered = Journal.recover(dir);
    assertThat(strings(recovered)).containsExactly("a");
    assertThat(recovered.files()).hasSize(2);
    assertThat(recovered.lastSequence()).isEqualTo(next.sequence());
    Journal.delete(recovered.files());
    Journal after = Journal.create(dir, recovered.lastSequence());
    after.append(List.of(bytes("b")), true);
    after.close();
    assertThat(strings(Journal.recover(dir))).containsExactly("b");
    assertThat(Journal.recover(dir).lastSequence()).isEqualTo(next.sequence() + 1);
  }

  @Test
  void aRecordCutShortByACrashIsDroppedWithWhateverFollows() throws Exception {
    Journal journal = Journal.create(dir, 0);
    journal.append(List.of(bytes("kept")), true);
    journal.close();
    Path file = Journal.recover(dir).files().get(0);
    // A header announcing 100 bytes, followed by 3: the write was torn.
    Files.write(file, ByteBuffer.allocate(11).putInt(100).putInt(0).put(bytes("abc")).array(), StandardOpenOption.APPEND);
    Journal.Recovered recovered = Journal.recover(dir);
    assertThat(strings(recovered)).containsExactly("kept");
    assertThat(recovered.tornBytes()).isEqualTo(11);
    assertThat(Files.size(file)).isEqualTo(Journal.HEADER + 4);
  }

  @Test
  void aRecordWhoseChecksumFailsEndsTheJournal() throws Exception {
    Journal journal = Journal.create(dir, 0);
    journal.append(List.of(bytes("one"), bytes("two"), bytes("three")), true);
    journal.close();
    Path file = Journal.recover(dir).files().get(0);
    byte[] content = Files.readAllBytes(file);
    int second = Journal.HEADER + 3;
    content[second + Journal.HEADER] ^= 1; // flip a bit of "two"
    Files.write(file, content);
    assertThat(strings(Journal.recover(dir))).containsExactly("one");
  }

  @Test
  void anImpossibleLengthIsCorruptionNotAHugeAllocation() throws Exception {
    Journal journal = Journal.create(dir, 0);
    journal.append(List.of(bytes("x")), true);
    journal.close();
    Path file = Journal.recover(dir).files().get(0);
    Files.write(file, ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).array(), StandardOpenOption.APPEND);
    assertThat(strings(Journal.recover(dir))).containsExactly("x");
  }
}
