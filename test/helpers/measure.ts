/** Durations of requests made while a fault lasted, for the report (never asserted tightly). */
export class Timings {
  private readonly ms: number[] = [];

  constructor(readonly label: string) {}

  async time<T>(work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.ms.push(performance.now() - start);
    }
  }

  get max(): number {
    return Math.max(0, ...this.ms);
  }

  summary(): string {
    const sorted = [...this.ms].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return `${this.label}: n=${sorted.length} p50=${at(0.5).toFixed(1)}ms p95=${at(0.95).toFixed(1)}ms max=${this.max.toFixed(1)}ms`;
  }

  /** Prints the figures (jest shows them with the test file's output). */
  report(): void {
    // eslint-disable-next-line no-console
    console.log(`[fault cost] ${this.summary()}`);
  }
}
