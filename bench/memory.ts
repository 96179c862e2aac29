const MiB = 1024 * 1024;

export interface MemorySample {
  rssMiB: number;
  heapUsedMiB: number;
}

export function memoryNow(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMiB: rss / MiB, heapUsedMiB: heapUsed / MiB };
}

/**
 * Samples process.memoryUsage() every 100 ms and keeps the peaks, over the whole run and
 * over the current window (one scenario).
 */
export class MemorySampler {
  #timer: NodeJS.Timeout | undefined;
  #peak: MemorySample = memoryNow();
  #windowPeak: MemorySample = memoryNow();

  start(intervalMs = 100): void {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }

  sample(): MemorySample {
    const now = memoryNow();
    for (const peak of [this.#peak, this.#windowPeak]) {
      peak.rssMiB = Math.max(peak.rssMiB, now.rssMiB);
      peak.heapUsedMiB = Math.max(peak.heapUsedMiB, now.heapUsedMiB);
    }
    return now;
  }

  get peak(): MemorySample {
    return { ...this.#peak };
  }

  /** Starts a new window; returns the peak of the one that ends. */
  nextWindow(): MemorySample {
    this.sample();
    const ended = this.#windowPeak;
    this.#windowPeak = memoryNow();
    return ended;
  }
}
