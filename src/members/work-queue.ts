import { ServiceUnavailable } from '../errors.js';

/** Seconds a refused caller is told to wait: the queue drains in well under that. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

export interface WorkQueue {
  /** Runs `work` when a slot is free; throws ServiceUnavailable at once when `capacity` are already running or waiting. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Running plus waiting. */
  readonly size: number;
}

/**
 * A bounded queue for expensive work (argon2): at most `concurrency` run at once, at most
 * `capacity` run or wait, and the rest are refused immediately instead of piling up
 * behind each other until every request times out.
 */
export function createWorkQueue({ concurrency, capacity }: { concurrency: number; capacity: number }): WorkQueue {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async run(work) {
      if (running + waiting.length >= capacity) throw new ServiceUnavailable(BUSY_RETRY_AFTER_SECONDS, 'errors.busy');
      if (running < concurrency) running += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        // The slot passes straight to the next waiter, or is freed.
        const next = waiting.shift();
        if (next) next();
        else running -= 1;
      }
    },
    get size() {
      return running + waiting.length;
    },
  };
}
