import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { freePort, tempDataDir } from '../support/idp.js';

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children.sort();
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 40_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('WORKERS=2: one port, two provider processes', () => {
  const dataDir = tempDataDir();
  let port: number;
  let primary: ChildProcess;
  let output = '';
  const health = async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status;

  beforeAll(async () => {
    port = await freePort();
    // The environment is built here, not inherited: CI sets DATABASE_URL and REDIS_URL for everything.
    primary = spawn(process.execPath, [join(process.cwd(), 'dist/src/start.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', WORKERS: '2', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('the primary to report its workers listening', () => (/"workers":2,"msg":"identity provider listening"/.test(output) ? true : undefined), 60_000);
  }, 90_000);

  afterAll(() => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('both workers serve, and the primary migrated once before forking', async () => {
    expect(childrenOf(primary.pid!)).toHaveLength(2);
    const statuses = await Promise.all(Array.from({ length: 40 }, health));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const discovery = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(`http://localhost:${port}`);
    expect(output).not.toMatch(/start-up failed|already locked/);
  });

  test('each worker runs with a small young generation and one malloc arena (RSS), the primary as started', () => {
    const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(cmdline(primary.pid!)).not.toContain('--max-semi-space-size=4');
    expect(environ(primary.pid!)).not.toContain('MALLOC_ARENA_MAX=1');
    for (const worker of childrenOf(primary.pid!)) {
      expect(cmdline(worker)).toContain('--max-semi-space-size=4');
      // Two workers on up to 2 cores verify one password at a time each (src/config.ts passwordQueue).
      if (availableParallelism() <= 2) expect(environ(worker)).toContain('MALLOC_ARENA_MAX=1');
      else expect(environ(worker)).not.toContain('MALLOC_ARENA_MAX=1');
    }
  });

  test('a worker that dies is replaced', async () => {
    const [victim, survivor] = childrenOf(primary.pid!);
    process.kill(victim!, 'SIGKILL');
    const replaced = await until('a replacement worker', () => {
      const now = childrenOf(primary.pid!);
      return now.length === 2 && !now.includes(victim!) ? now : undefined;
    });
    expect(replaced).toContain(survivor);
    await until('the replacement to listen', () => ((output.match(/"pid":\d+,"msg":"identity provider listening"/g) ?? []).length >= 3 ? true : undefined), 60_000);
    expect(await health()).toBe(200);
  }, 90_000);

  test('SIGTERM drains every worker and the primary exits 0', async () => {
    const workers = childrenOf(primary.pid!);
    const exit = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(workers.filter((pid) => existsProcess(pid))).toEqual([]);
  }, 60_000);
});

function existsProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
