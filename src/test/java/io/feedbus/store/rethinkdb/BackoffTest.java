package io.feedbus.store.rethinkdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void delaysDoubleFromTheInitialDelayUpToTheCap() {
    Backoff backoff = new Backoff(200, 10_000, () -> 1.0);
    assertThat(backoff.delay(0)).isEqualTo(200);
    assertThat(backoff.delay(1)).isEqualTo(400);
    assertThat(backoff.delay(5)).isEqualTo(6400);
    assertThat(backoff.delay(6)).isEqualTo(10_000);
    assertThat(backoff.delay(1000)).isEqualTo(10_000);
  }

  @Test
  void jitterKeepsEachDelayBetweenHalfAndAllOfItsCeiling() {
    assertThat(new Backoff(200, 10_000, () -> 0.0).delay(3)).isEqualTo(800);
    assertThat(new Backoff(200, 10_000, () -> 0.5).delay(3)).isEqualTo(1200);
    Backoff random = new Backoff(200, 10_000);
    for (int attempt = 0; attempt < 40; attempt++) {
      assertThat(random.delay(attempt)).isBetween(random.ceiling(attempt) / 2, random.ceiling(attempt));
    }
  }

  @Test
  void rejectsACapBelowTheInitialDelay() {
    assertThatThrownBy(() -> new Backoff(500, 100)).isInstanceOf(IllegalArgumentException.class);
  }
}
