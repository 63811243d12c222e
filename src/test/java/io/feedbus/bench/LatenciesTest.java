package io.feedbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {

  @Test
  void aPercentileIsTheSampleAtThatRankInMilliseconds() {
    Latencies latencies = new Latencies(100);
    for (int i = 100; i >= 1; i--) {
      latencies.record(i * 1_000_000L);
    }

    assertThat(latencies.percentileMillis(0.5)).isEqualTo(50.0);
    assertThat(latencies.percentileMillis(0.99)).isEqualTo(99.0);
    assertThat(latencies.percentileMillis(1.0)).isEqualTo(100.0);
  }

  @Test
  void pooledRoundsGiveThePercentileOfAllTheirSamplesTogether() {
    // One round's 99th sample of 100 is its slow outlier; pooled with a calm round it is not.
    Latencies slow = new Latencies(100);
    Latencies calm = new Latencies(100);
    for (int i = 0; i < 100; i++) {
      slow.record((i >= 98 ? 50 : 1) * 1_000_000L);
      calm.record(1_000_000L);
    }

    Latencies all = Latencies.pooled(List.of(slow, calm));

    assertThat(slow.percentileMillis(0.99)).isEqualTo(50.0);
    assertThat(all.count()).isEqualTo(200);
    assertThat(all.percentileMillis(0.99)).isEqualTo(1.0);
    assertThat(all.percentileMillis(1.0)).isEqualTo(50.0);
  }

  @Test
  void samplesBeyondTheCapacityAreDroppedAndNoSamplesIsNaN() {
    Latencies latencies = new Latencies(2);
    assertThat(latencies.percentileMillis(0.99)).isNaN();
    latencies.record(1_000_000L);
    latencies.record(2_000_000L);
    latencies.record(3_000_000L);

    assertThat(latencies.count()).isEqualTo(2);
    assertThat(Latencies.pooled(List.of(latencies, new Latencies(5))).count()).isEqualTo(2);
  }
}
