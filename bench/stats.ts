/** Latency percentiles in milliseconds (nearest-rank, so every value is one that was measured). */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || Number.NaN);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, mean };
}

/** Named timings collected across many operations (the phases of a login). */
export class PhaseTimes {
  readonly #samples = new Map<string, number[]>();

  add(phase: string, ms: number): void {
    const list = this.#samples.get(phase) ?? [];
    list.push(ms);
    this.#samples.set(phase, list);
  }

  /** A stopwatch for one operation: each `lap` records the time since the previous one. */
  stopwatch(): { lap(phase: string): void } {
    let last = performance.now();
    return {
      lap: (phase) => {
        const now = performance.now();
        this.add(phase, now - last);
        last = now;
      },
    };
  }

  summary(): { phase: string; count: number; latencyMs: LatencySummary }[] {
    return [...this.#samples].map(([phase, samples]) => ({ phase, count: samples.length, latencyMs: summarise(samples) }));
  }
}
