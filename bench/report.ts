import type { ScenarioResult } from './load.js';
import type { MachineInfo } from './machine.js';
import type { MemorySample } from './memory.js';
import type { BenchOptions } from './options.js';
import type { LatencySummary } from './stats.js';

export interface BenchReport {
  date: string;
  command: string;
  machine: MachineInfo;
  /** 1-minute load average when the scenarios were done. */
  loadAverageAtEnd: number;
  backend: { storage: string; shortLived: string; argon2: { memoryCost: number; timeCost: number; parallelism: number } };
  options: BenchOptions;
  setup: { members: number; seconds: number };
  scenarios: ScenarioResult[];
  loginPhases: { phase: string; count: number; latencyMs: LatencySummary }[];
  memory: { beforeStart: MemorySample; afterStart: MemorySample; after: MemorySample; afterGc: boolean; peak: MemorySample };
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // The first column is text (left-aligned); the others are numbers.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const mib = (m: MemorySample) => `RSS ${fixed(m.rssMiB, 0)} MiB, heap used ${fixed(m.heapUsedMiB, 0)} MiB`;

/** The tables printed on stdout without --json. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const { argon2 } = r.backend;
  const load = r.options.iterations === undefined ? `${r.options.durationSeconds} s per load scenario` : `${r.options.iterations} operations per load scenario`;
  const scenarios = table(
    ['scenario', 'count', 'errors', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'CPU %', 'loop', 'SQL/op', 'SQL %', 'peak RSS MiB'],
    r.scenarios.map((s) => [s.name, String(s.count), String(s.errors), fixed(s.perSecond), fixed(s.latencyMs.p50), fixed(s.latencyMs.p95), fixed(s.latencyMs.p99), fixed(s.latencyMs.max), fixed(s.cpuPercent, 0), fixed(s.eventLoopUtilization, 2), fixed(s.sqlQueries / (s.count + s.errors), s.unit === 'row' ? 2 : 1), fixed((s.sqlMs / (s.seconds * 1000)) * 100, 0), fixed(s.peakRssMiB, 0)]),
  );
  const phases = table(
    ['login phase', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms'],
    r.loginPhases.map((p) => [p.phase, String(p.count), fixed(p.latencyMs.p50), fixed(p.latencyMs.p95), fixed(p.latencyMs.p99), fixed(p.latencyMs.mean)]),
  );
  const errors = r.scenarios.flatMap((s) => Object.entries(s.errorMessages).map(([message, n]) => `  ${s.name}: ${n} × ${message}`));
  return [
    `kenpo-idp benchmark, ${r.date}`,
    `machine:  ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}, load average ${m.loadAverageAtStart} at start, ${r.loadAverageAtEnd} at the end`,
    `storage:  ${r.backend.storage}; short-lived models in ${r.backend.shortLived}`,
    `argon2id: m=${argon2.memoryCost} KiB t=${argon2.timeCost} p=${argon2.parallelism}; UV_THREADPOOL_SIZE ${m.uvThreadpoolSize}`,
    `command:  ${r.command}`,
    `load:     concurrency ${r.options.concurrency}, ${load}; ${r.setup.members} registered members (set up in ${fixed(r.setup.seconds)} s)`,
    '',
    scenarios,
    '',
    phases,
    '',
    'CPU % is process CPU time over wall time (100 = one core busy); loop is the event loop utilization of the main thread.',
    'SQL/op counts statements per operation; SQL % is the time statements were in flight over wall time (above 100: they overlapped on several connections).',
    'The relying party (openid-client) and the browsers run in the same process as the provider.',
    ...(errors.length ? ['', 'errors:', ...errors] : []),
    '',
    `memory before start: ${mib(r.memory.beforeStart)}`,
    `memory after start:  ${mib(r.memory.afterStart)}`,
    `memory at the end:   ${mib(r.memory.after)}${r.memory.afterGc ? ' (after a full GC)' : ' (no GC forced; run node --expose-gc for a figure after one)'}`,
    `memory peak:         ${mib(r.memory.peak)} (sampled every 100 ms)`,
  ].join('\n');
}
