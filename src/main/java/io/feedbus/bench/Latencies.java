package io.feedbus.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** Latency samples in nanoseconds, recorded from any thread into a fixed array; percentiles in milliseconds. */
public final class Latencies {

  private final long[] samples;
  private final AtomicInteger count = new AtomicInteger();
  private long[] sorted;

  public Latencies(int capacity) {
    samples = new long[Math.max(1, capacity)];
  }

  /** Records one sample; samples beyond the capacity are dropped (the array is sized for the run). */
  public void record(long nanos) {
    int i = count.getAndIncrement();
    if (i < samples.length) {
      samples[i] = nanos;
    }
  }

  /** Every sample of {@code parts} in one set (rounds of the same shape, for a percentile over all of them). */
  public static Latencies pooled(java.util.List<Latencies> parts) {
    Latencies all = new Latencies(parts.stream().mapToInt(Latencies::count).sum());
    for (Latencies part : parts) {
      for (int i = 0, n = part.count(); i < n; i++) {
        all.record(part.samples[i]);
      }
    }
    return all;
  }

  public int count() {
    return Math.min(count.get(), samples.length);
  }

  /** The {@code p} quantile (0..1) in milliseconds; NaN without samples. Call once recording is over. */
  public double percentileMillis(double p) {
    int n = count();
    if (n == 0) {
      return Double.NaN;
    }
    if (sorted == null || sorted.length != n) {
      sorted = Arrays.copyOf(samples, n);
      Arrays.sort(sorted);
    }
    int index = (int) Math.min(n - 1, Math.ceil(p * n) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}
