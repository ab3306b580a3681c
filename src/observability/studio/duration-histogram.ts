/**
 * Apollo's duration histogram (the `latency_count` of usage reports): bucket i counts
 * durations in (1.1^(i-1), 1.1^i] microseconds, 384 buckets, the last one open. Encoded
 * as Apollo's plugin encodes it: runs of zero buckets written as one negative number (a
 * single zero as 0), trailing zeros dropped. `toArray` is what the protobuf encoder of
 * `@apollo/usage-reporting-protobuf` calls on histogram fields.
 */
export class DurationHistogram {
  static readonly BUCKET_COUNT = 384;
  private static readonly EXPONENT_LOG = Math.log(1.1);
  private readonly buckets: number[] = [];

  static durationToBucket(durationNs: number): number {
    const bucket = Math.ceil(Math.log(durationNs / 1000) / DurationHistogram.EXPONENT_LOG);
    if (bucket <= 0 || Number.isNaN(bucket)) return 0;
    return bucket >= DurationHistogram.BUCKET_COUNT ? DurationHistogram.BUCKET_COUNT - 1 : bucket;
  }

  incrementDuration(durationNs: number): void {
    const bucket = DurationHistogram.durationToBucket(durationNs);
    while (this.buckets.length <= bucket) this.buckets.push(0);
    this.buckets[bucket]! += 1;
  }

  toArray(): number[] {
    const out: number[] = [];
    let zeros = 0;
    for (const value of this.buckets) {
      if (value === 0) {
        zeros++;
        continue;
      }
      if (zeros === 1) out.push(0);
      else if (zeros > 1) out.push(-zeros);
      out.push(value);
      zeros = 0;
    }
    return out;
  }
}
