import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

function statOf(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) … utime(11) stime(12)
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function rssMiB(pid: number): number {
  try {
    const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and its children (the cluster's workers). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && statOf(Number(entry))?.ppid === pid) pids.push(Number(entry));
  }
  return pids;
}

export interface ProcUse {
  /** CPU time of every process over wall time, in cores (2 = both cores busy). */
  cpuCores: number;
  /** The highest sum of RSS over all the processes, and the highest of any one of them. */
  peakRssMiB: number;
  peakRssPerProcessMiB: number;
  processes: number;
}

/** CPU and RSS of a process and its children, from /proc, sampled every 100 ms between start() and stop(). */
export class ProcSampler {
  #timer: NodeJS.Timeout | undefined;
  #ticks = new Map<number, { first: number; last: number }>();
  #peak = 0;
  #peakOne = 0;
  #started = 0;
  #pids = 0;

  constructor(readonly rootPid: number) {}

  #sample(): void {
    let total = 0;
    const pids = processTree(this.rootPid);
    this.#pids = Math.max(this.#pids, pids.length);
    for (const pid of pids) {
      const stat = statOf(pid);
      if (!stat) continue;
      const seen = this.#ticks.get(pid);
      if (seen) seen.last = stat.ticks;
      else this.#ticks.set(pid, { first: stat.ticks, last: stat.ticks });
      const rss = rssMiB(pid);
      total += rss;
      this.#peakOne = Math.max(this.#peakOne, rss);
    }
    this.#peak = Math.max(this.#peak, total);
  }

  start(): void {
    this.#ticks.clear();
    this.#peak = 0;
    this.#peakOne = 0;
    this.#pids = 0;
    this.#started = performance.now();
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 100);
  }

  stop(): ProcUse {
    clearInterval(this.#timer);
    this.#sample();
    const seconds = (performance.now() - this.#started) / 1000;
    let ticks = 0;
    for (const { first, last } of this.#ticks.values()) ticks += last - first;
    return { cpuCores: ticks / CLOCK_TICKS / seconds, peakRssMiB: this.#peak, peakRssPerProcessMiB: this.#peakOne, processes: this.#pids };
  }

  /** Current RSS of the tree (MiB): for the idle figure. */
  rssNow(): number {
    return processTree(this.rootPid).reduce((sum, pid) => sum + rssMiB(pid), 0);
  }
}
