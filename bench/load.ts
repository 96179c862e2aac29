import { performance } from 'node:perf_hooks';
import type { MemorySampler } from './memory.js';
import type { QueryProbe } from './queries.js';
import { summarise, type LatencySummary } from './stats.js';

export interface ResourceUse {
  seconds: number;
  /** Process CPU time over wall time, in percent of one core (200 = two cores busy). */
  cpuPercent: number;
  /**
   * Share of the wall time the main thread was not idle in the event loop. argon2 and sqlite3 run on
   * libuv's pool, outside it; time the OS gave to other processes counts as busy.
   */
  eventLoopUtilization: number;
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  /** SQL statements sent, and the time they were in flight, summed. */
  sqlQueries: number;
  sqlMs: number;
}

/** What is watched while a scenario runs. */
export interface Probes {
  memory: MemorySampler;
  queries: QueryProbe;
}

export interface ScenarioResult extends ResourceUse {
  name: string;
  /** What one operation is, for the table ("login", "row"). */
  unit: string;
  count: number;
  errors: number;
  perSecond: number;
  latencyMs: LatencySummary;
  /** The first few distinct error messages, with how often each happened. */
  errorMessages: Record<string, number>;
}

/** Runs `work` and reports the wall time, CPU, event-loop use, SQL and memory peak it took. */
export async function measure<T>({ memory, queries }: Probes, work: () => Promise<T>): Promise<{ value: T; use: ResourceUse }> {
  memory.nextWindow();
  queries.take();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const peak = memory.nextWindow();
  const sql = queries.take();
  return {
    value,
    use: {
      seconds: wallMs / 1000,
      cpuPercent: ((user + system) / 1000 / wallMs) * 100,
      eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
      peakRssMiB: peak.rssMiB,
      peakHeapUsedMiB: peak.heapUsedMiB,
      sqlQueries: sql.queries,
      sqlMs: sql.queryMs,
    },
  };
}

export interface LoadOptions {
  concurrency: number;
  durationSeconds: number;
  iterations: number | undefined;
}

export interface LoadOperation {
  /** One timed operation by worker `worker` (0 … concurrency-1). */
  run(worker: number): Promise<void>;
  /** Untimed repair after a failed operation (e.g. a fresh refresh-token chain). */
  recover?(worker: number): Promise<void>;
}

/**
 * `concurrency` workers each run operations back to back until the duration is over (or
 * `iterations` have been started); operations in flight at the deadline are finished and
 * counted. Latency is recorded for successful operations only; failures are counted.
 */
export async function runLoad(name: string, unit: string, options: LoadOptions, operation: LoadOperation, probes: Probes): Promise<ScenarioResult> {
  const latencies: number[] = [];
  const errorMessages: Record<string, number> = {};
  let errors = 0;
  let started = 0;
  const deadline = performance.now() + options.durationSeconds * 1000;
  const more = () => (options.iterations === undefined ? performance.now() < deadline : started < options.iterations);

  async function worker(index: number): Promise<void> {
    while (more()) {
      started += 1;
      const begin = performance.now();
      try {
        await operation.run(index);
        latencies.push(performance.now() - begin);
      } catch (error) {
        errors += 1;
        const message = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 160) : String(error);
        if (message in errorMessages || Object.keys(errorMessages).length < 5) errorMessages[message] = (errorMessages[message] ?? 0) + 1;
        await operation.recover?.(index).catch(() => undefined);
      }
    }
  }

  const { use } = await measure(probes, () => Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i))));
  return { name, unit, ...use, count: latencies.length, errors, perSecond: latencies.length / use.seconds, latencyMs: summarise(latencies), errorMessages };
}
