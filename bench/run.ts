/**
 * The independent benchmark. This process only orchestrates: the provider runs as
 * production runs it (its own processes), the load comes from worker threads, the argon2id
 * ceiling and the bare oidc-provider from child processes. `npm run bench -- --help`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { freePort } from '../test/support/idp.js';
import { REDIRECT_URI } from '../test/support/relying-party.js';
import { stepNow, type BenchMember, type ImportedMember } from './journeys.js';
import type { Task, WorkerInput, WorkerOutput } from './load-worker.js';
import { describeMachine } from './machine.js';
import { parseOptions, USAGE, UsageError, type BenchOptions, type Phase } from './options.js';
import { ProcSampler, type ProcUse } from './proc-sampler.js';
import { summarise, type LatencySummary } from './stats.js';

const root = join(import.meta.dirname, '..', '..');
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PhaseResult {
  name: string;
  target: 'provider' | 'bare';
  concurrency: number;
  count: number;
  errors: number;
  errorMessages: Record<string, number>;
  perSecond: number;
  latencyMs: LatencySummary;
  use: ProcUse;
}

// --- the provider, as production runs it -------------------------------------------

interface Backend {
  label: string;
  env: Record<string, string>;
  dataDir: string;
}

const withoutCredentials = (url: string) => {
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname}`;
};

/** A data directory (and PostgreSQL schema) per set of parameters, kept between runs with the members in it. */
async function prepareBackend(options: BenchOptions): Promise<Backend> {
  const argon2 = ['ARGON2_MEMORY_KIB', 'ARGON2_TIME_COST', 'ARGON2_PARALLELISM'].map((k) => process.env[k] ?? '');
  const db = process.env.DATABASE_URL;
  const redis = process.env.REDIS_URL;
  const key = createHash('sha256')
    .update(JSON.stringify({ db: db && withoutCredentials(db), redis: redis && withoutCredentials(redis), members: options.members, argon2, v: 1 }))
    .digest('hex')
    .slice(0, 12);
  const dataDir = join(process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'kenpo-bench'), key);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretsFile = join(dataDir, 'bench-secrets.json');
  if (!existsSync(secretsFile)) {
    writeFileSync(secretsFile, JSON.stringify({ COOKIE_KEYS: randomBytes(32).toString('base64url'), DATA_ENCRYPTION_KEY: `b1:${randomBytes(32).toString('base64')}` }), { mode: 0o600 });
  }
  // The production secrets, made once per cache directory and passed in the environment.
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  if (!secrets.TOKEN_HASH_KEY) {
    secrets.TOKEN_HASH_KEY = randomBytes(32).toString('base64');
    writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...secrets,
  };
  for (const [i, name] of ['ARGON2_MEMORY_KIB', 'ARGON2_TIME_COST', 'ARGON2_PARALLELISM'].entries()) if (argon2[i]) env[name] = argon2[i]!;

  let label = `SQLite (WAL) in ${dataDir}`;
  if (db) {
    const schema = `bench_${key}`;
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: db });
    await admin.connect();
    await admin.query(`create schema if not exists ${schema}`);
    await admin.end();
    const url = new URL(db);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = url.toString();
    label = `PostgreSQL ${withoutCredentials(db)} (schema ${schema})`;
  }
  if (redis) {
    env.REDIS_URL = redis;
    label += ` + Redis ${withoutCredentials(redis)}`;
  }
  return { label, env, dataDir };
}

interface Provider {
  process: ChildProcess;
  issuer: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}): ${output().slice(-2000)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
  }
  throw new Error(`${url} did not answer within 2 minutes`);
}

function startProcess(args: string[], env: Record<string, string>, readyUrl: string): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // An unref'd timer: once the process has exited, it must not keep the benchmark alive for 30 s.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  return waitFor(readyUrl, child, () => output).then(
    () => ({ child, stop }),
    async (error: unknown) => {
      await stop();
      throw error;
    },
  );
}

async function startProvider(backend: Backend, workers: number): Promise<Provider> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  // e.g. BENCH_PROVIDER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": a profile of every provider process (workers inherit them).
  const nodeArgs = (process.env.BENCH_PROVIDER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const { child, stop } = await startProcess([...nodeArgs, join(root, 'dist/src/start.js')], { ...backend.env, PORT: String(port), ISSUER: issuer, WORKERS: String(workers) }, `${issuer}/healthz`);
  return { process: child, issuer, stop };
}

function kenpo(backend: Backend, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(root, 'dist/src/cli/kenpo.js'), ...args], { env: backend.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kenpo ${args[0]} ${args[1]} failed: ${stderr.slice(0, 500)}`));
      else resolve(stdout);
    });
  });
}

// --- the load generator ------------------------------------------------------------

interface Client {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Spreads `slots` over the threads and merges what they report. The clock starts when every
 * thread has loaded and discovered the provider (`onStart`), and stops when the last is done.
 */
async function drive(options: BenchOptions, client: Client, outbox: string, seconds: number, make: (slots: number[]) => Task, slotCount: number, onStart: () => void = () => {}, maxPerSlot = Number.MAX_SAFE_INTEGER): Promise<{ out: WorkerOutput; wallSeconds: number }> {
  const threads = Math.min(options.threads, slotCount);
  let ready = 0;
  let started = 0;
  const workers: Worker[] = [];
  const outputs = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const slots = Array.from({ length: slotCount }, (_, s) => s).filter((s) => s % threads === t);
      const input: WorkerInput = { ...client, outbox, seconds, maxPerSlot, task: make(slots) };
      return new Promise<WorkerOutput>((resolve, reject) => {
        const worker = new Worker(join(import.meta.dirname, 'load-worker.js'), { workerData: input });
        workers.push(worker);
        worker.on('message', (message: { ready?: true; done?: WorkerOutput }) => {
          if (message.done) resolve(message.done);
          else if (message.ready && (ready += 1) === threads) {
            started = performance.now();
            onStart();
            for (const w of workers) w.postMessage({ deadline: Date.now() + seconds * 1000 });
          }
        });
        worker.once('error', reject);
      });
    }),
  );
  const out: WorkerOutput = { latenciesMs: [], errors: {}, members: [] };
  for (const o of outputs) {
    out.latenciesMs.push(...o.latenciesMs);
    out.members.push(...o.members);
    for (const [message, n] of Object.entries(o.errors)) out.errors[message] = (out.errors[message] ?? 0) + n;
  }
  return { out, wallSeconds: Math.max(0.001, (performance.now() - started) / 1000) };
}

async function phase(name: string, target: PhaseResult['target'], sampler: ProcSampler, concurrency: number, run: (onStart: () => void) => Promise<{ out: WorkerOutput; wallSeconds: number }>): Promise<PhaseResult & { out: WorkerOutput }> {
  progress(`${name}…`);
  const { out, wallSeconds } = await run(() => sampler.start());
  const use = sampler.stop();
  const errors = Object.values(out.errors).reduce((a, b) => a + b, 0);
  return { name, target, concurrency, count: out.latenciesMs.length, errors, errorMessages: out.errors, perSecond: out.latenciesMs.length / wallSeconds, latencyMs: summarise(out.latenciesMs), use, out };
}

// --- the run -----------------------------------------------------------------------

function roster(first: number, count: number, symbol: string, runTag: string): { csv: string; members: ImportedMember[] } {
  const lines = ['insurer_symbol,insured_number,birth_date,login_id,email,kind,name'];
  const members: ImportedMember[] = [];
  for (let n = first; n < first + count; n += 1) {
    const number = `${runTag}${String(n).padStart(6, '0')}`;
    const email = `b${symbol}-${number}@example.com`;
    lines.push(`${symbol},${number},19800101,,${email},regular,健保 太郎${n}`);
    members.push({ n, loginId: `${symbol}${number}19800101`, initialPassword: `${symbol}${number}19800101`, birthDate: '19800101', email });
  }
  return { csv: `${lines.join('\n')}\n`, members };
}

async function bench(options: BenchOptions) {
  const machine = describeMachine();
  const loadAtStart = readFileSync('/proc/loadavg', 'utf8').trim();
  const backend = await prepareBackend(options);
  const outbox = join(backend.dataDir, 'outbox');
  progress(`storage: ${backend.label}`);

  const provider = await startProvider(backend, options.workers);
  const sampler = new ProcSampler(provider.process.pid!);
  const phases: PhaseResult[] = [];
  let bare: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    const idleRss = sampler.rssNow();
    // The relying party and the members, once per cache directory.
    const clientFile = join(backend.dataDir, 'bench-client.json');
    if (!existsSync(clientFile)) {
      const added = JSON.parse(await kenpo(backend, ['clients', 'add', '--name', 'ベンチマーク', '--redirect-uri', REDIRECT_URI, '--first-party', '--json'])) as { client_id: string; client_secret: string };
      writeFileSync(clientFile, JSON.stringify({ clientId: added.client_id, clientSecret: added.client_secret }), { mode: 0o600 });
    }
    const client: Client = { issuer: provider.issuer, ...(JSON.parse(readFileSync(clientFile, 'utf8')) as { clientId: string; clientSecret: string }) };
    const membersFile = join(backend.dataDir, 'bench-members.json');
    let members: BenchMember[] = existsSync(membersFile) ? (JSON.parse(readFileSync(membersFile, 'utf8')) as BenchMember[]) : [];
    let setupSeconds = 0;
    if (members.length < options.members) {
      const started = performance.now();
      const missing = options.members - members.length;
      // A roster of its own for each attempt, numbered after the members already cached: an
      // interrupted set-up leaves members registered (their initial password spent) but not
      // written to bench-members.json.
      const first = members.reduce((max, m) => Math.max(max, m.n + 1), 0);
      const { csv, members: imported } = roster(first, missing, '77', String(Date.now() % 1e6).padStart(6, '0'));
      const file = join(backend.dataDir, 'bench-roster.csv');
      writeFileSync(file, csv);
      await kenpo(backend, ['members', 'import', file, '--json']);
      progress(`registering ${missing} members through the journey (once; cached in ${backend.dataDir})…`);
      // As many clients as the phases: at most one password check each, so no worker's
      // password queue (twice the pool) overflows into 503s, which a member would see as
      // 「混み合っています」 and the set-up as a failed registration.
      const slots = options.concurrency;
      const { out } = await drive(options, client, outbox, 3_600, (mine) => ({ kind: 'register', slots: mine.map((s) => imported.filter((_, i) => i % slots === s)) }), slots);
      // Whatever registered is kept, so a run after a failure only registers the rest.
      members = [...members, ...out.members].sort((a, b) => a.n - b.n);
      writeFileSync(membersFile, JSON.stringify(members), { mode: 0o600 });
      if (members.length < options.members) throw new Error(`only ${members.length} members registered (run again to register the rest): ${JSON.stringify(out.errors)}`);
      setupSeconds = (performance.now() - started) / 1000;
    }
    const update = (changed: BenchMember[]) => {
      const byN = new Map(changed.map((m) => [m.n, m]));
      members = members.map((m) => byN.get(m.n) ?? m);
      writeFileSync(membersFile, JSON.stringify(members), { mode: 0o600 });
    };
    /**
     * Members whose code for the current step is unused, least recently used first; when
     * too few are (members just registered), it waits for the next 30 s step.
     */
    const fresh = async (count: number) => {
      const unused = () => members.filter((m) => m.lastStep < stepNow()).sort((a, b) => a.lastStep - b.lastStep);
      if (unused().length < count) {
        progress('waiting for the next TOTP step (every member here used the current one)…');
        await sleep((stepNow() + 1) * 30_000 - Date.now() + 50);
      }
      return unused().slice(0, count);
    };
    const c = options.concurrency;
    const seconds = options.seconds;
    const want = (p: Phase) => options.phases.has(p);

    if (want('page')) phases.push(await phase('login page (authorize -> form)', 'provider', sampler, options.pageConcurrency, (onStart) => drive(options, client, outbox, seconds, (mine) => ({ kind: 'login-page', slots: mine.length }), options.pageConcurrency, onStart)));

    if (want('login')) {
      await fresh(c * 4);
      const loginMembers = members.filter((m) => m.lastStep < stepNow());
      const login = await phase('full login (password + TOTP + code + userinfo)', 'provider', sampler, c, (onStart) =>
        drive(options, client, outbox, seconds, (mine) => ({ kind: 'login', slots: mine.map((s) => loginMembers.filter((_, i) => i % c === s)) }), c, onStart),
      );
      update(login.out.members);
      phases.push(login);
    }

    for (const kind of (['refresh', 'userinfo', 'introspection'] as const).filter(want)) {
      const slotMembers = await fresh(c);
      const result = await phase(kind === 'refresh' ? 'refresh grant (rotating)' : kind, 'provider', sampler, c, (onStart) => drive(options, client, outbox, seconds, (mine) => ({ kind, bare: false, slots: mine.map((s) => slotMembers[s]!) }), c, onStart));
      update(result.out.members);
      phases.push(result);
    }

    // New members each run: the import, then their first registrations.
    const runTag = String(Date.now() % 1e8).padStart(8, '0');
    const { csv, members: newcomers } = roster(100_000, options.importRows, '79', runTag);
    const rosterFile = join(backend.dataDir, 'bench-import.csv');
    writeFileSync(rosterFile, csv);
    // The registrations need the newcomers imported first.
    if (want('import') || want('register')) {
      progress('member import…');
      sampler.start();
      const importStarted = performance.now();
      let importError: string | undefined;
      await kenpo(backend, ['members', 'import', rosterFile, '--json']).catch((error: Error) => (importError = error.message));
      const importSeconds = (performance.now() - importStarted) / 1000;
      phases.push({
        name: `member import (${options.importRows} new rows, CLI)`,
        target: 'provider',
        concurrency: 1,
        count: importError ? 0 : options.importRows,
        errors: importError ? 1 : 0,
        errorMessages: importError ? { [importError]: 1 } : {},
        perSecond: importError ? 0 : options.importRows / importSeconds,
        latencyMs: summarise([importSeconds * 1000]),
        use: sampler.stop(),
      });
    }
    if (want('register')) {
      phases.push(
        await phase('first registration (journey incl. TOTP binding)', 'provider', sampler, c, (onStart) =>
          drive(options, client, outbox, seconds, (mine) => ({ kind: 'register', slots: mine.map((s) => newcomers.filter((_, i) => i % c === s)) }), c, onStart),
        ),
      );
    }
    const providerIdleEnd = sampler.rssNow();
    await provider.stop();

    // The argon2id ceiling with the provider's parameters, 4 verifies in flight, nothing else running.
    const a = { m: backend.env.ARGON2_MEMORY_KIB ?? '19456', t: backend.env.ARGON2_TIME_COST ?? '2', p: backend.env.ARGON2_PARALLELISM ?? '1' };
    let ceiling = { perSecond: NaN, count: 0 };
    if (want('ceiling')) {
      progress('argon2id ceiling…');
      ceiling = await new Promise<{ perSecond: number; count: number }>((resolve, reject) => {
        execFile(process.execPath, [join(import.meta.dirname, 'argon2-ceiling.js'), String(Math.min(10, seconds)), '4', a.m, a.t, a.p], (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as { perSecond: number; count: number })));
      });
    }

    // The bare oidc-provider, driven by the same client code.
    let bareIdleRss = NaN;
    if (want('bare')) {
      const barePort = await freePort();
      const bareIssuer = `http://localhost:${barePort}`;
      bare = await startProcess([join(import.meta.dirname, 'bare-provider.js')], { PATH: process.env.PATH ?? '', PORT: String(barePort), BARE_CLIENT_SECRET: 'bare-secret-for-the-benchmark' }, `${bareIssuer}/.well-known/openid-configuration`);
      const bareSampler = new ProcSampler(bare.child.pid!);
      bareIdleRss = bareSampler.rssNow();
      const bareClient: Client = { issuer: bareIssuer, clientId: 'bare', clientSecret: 'bare-secret-for-the-benchmark' };
      for (const kind of ['refresh', 'userinfo'] as const) {
        const slotMembers = members.slice(0, c);
        phases.push(await phase(`bare oidc-provider: ${kind === 'refresh' ? 'refresh grant (rotating)' : 'userinfo'}`, 'bare', bareSampler, c, (onStart) => drive(options, bareClient, outbox, seconds, (mine) => ({ kind, bare: true, slots: mine.map((s) => slotMembers[s]!) }), c, onStart)));
      }
    }
    return {
      date: new Date().toISOString(),
      machine,
      loadAtStart,
      loadAtEnd: readFileSync('/proc/loadavg', 'utf8').trim(),
      storage: backend.label,
      workers: options.workers,
      argon2: a,
      options,
      setupSeconds,
      members: members.length,
      memory: { providerIdleRssMiB: idleRss, providerRssAtEndMiB: providerIdleEnd, bareIdleRssMiB: bareIdleRss },
      argon2Ceiling: ceiling,
      phases,
    };
  } finally {
    await provider.stop();
    await bare?.stop();
  }
}

export type BenchReport = Awaited<ReturnType<typeof bench>>;

function formatReport(r: BenchReport): string {
  const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const lines = [
    `kenpo-idp benchmark, ${r.date}`,
    `machine:  ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.platform}, node ${r.machine.node}`,
    `load:     /proc/loadavg ${r.loadAtStart} at start, ${r.loadAtEnd} at the end`,
    `provider: node dist/src/start.js, NODE_ENV=production, WORKERS=${r.workers}; ${r.storage}`,
    `argon2id: m=${r.argon2.m} KiB t=${r.argon2.t} p=${r.argon2.p}; members: ${r.members}${r.setupSeconds ? ` (registered through the journey in ${f(r.setupSeconds)} s)` : ' (cached)'}`,
    `load generator: ${r.options.threads} worker threads of the bench process; each member's browser from its own loopback address (127.1.x.y)`,
    '',
    `${'phase'.padEnd(50)} ${'conc'.padStart(4)} ${'count'.padStart(6)} ${'errors'.padStart(6)} ${'per s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU'.padStart(5)} ${'procs'.padStart(5)} ${'RSS MiB'.padStart(8)} ${'max/proc'.padStart(8)}`,
  ];
  for (const p of r.phases) {
    lines.push(
      `${p.name.padEnd(50)} ${String(p.concurrency).padStart(4)} ${String(p.count).padStart(6)} ${String(p.errors).padStart(6)} ${f(p.perSecond).padStart(8)} ${f(p.latencyMs.p50).padStart(7)} ${f(p.latencyMs.p95).padStart(7)} ${f(p.latencyMs.p99).padStart(7)} ${f(p.use.cpuCores, 2).padStart(5)} ${String(p.use.processes).padStart(5)} ${f(p.use.peakRssMiB, 0).padStart(8)} ${f(p.use.peakRssPerProcessMiB, 0).padStart(8)}`,
    );
  }
  for (const p of r.phases) for (const [message, n] of Object.entries(p.errorMessages)) lines.push(`  error in ${p.name}: ${n} x ${message}`);
  const by = (name: string) => r.phases.find((p) => p.name.startsWith(name));
  const login = by('full login');
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? f(a / b, 2) : '-');
  const perProcess = (p: PhaseResult | undefined) => (p ? p.perSecond / r.workers : undefined);
  lines.push(
    '',
    `argon2id ceiling (4 verifies in flight, own process): ${f(r.argon2Ceiling.perSecond)} verifies/s`,
    `full logins / argon2id ceiling:                    ${ratio(login?.perSecond, r.argon2Ceiling.perSecond)}   (target 0.8)`,
    `refresh  / bare: ${ratio(by('refresh')?.perSecond, by('bare oidc-provider: refresh')?.perSecond)} total, ${ratio(perProcess(by('refresh')), by('bare oidc-provider: refresh')?.perSecond)} per process   (target 0.6 per process; 1,000/s total with WORKERS=2 on SQLite)`,
    `userinfo / bare: ${ratio(by('userinfo')?.perSecond, by('bare oidc-provider: userinfo')?.perSecond)} total, ${ratio(perProcess(by('userinfo')), by('bare oidc-provider: userinfo')?.perSecond)} per process   (target 0.6 per process; 3,000/s total with WORKERS=2 on SQLite)`,
    `login page p99 at ${by('login page')?.concurrency} clients: ${f(by('login page')?.latencyMs.p99 ?? NaN)} ms   (target < 25 ms)`,
    `RSS per process, peak: provider ${f(Math.max(...r.phases.filter((p) => p.target === 'provider').map((p) => p.use.peakRssPerProcessMiB)), 0)} MiB, bare ${f(Math.max(...r.phases.filter((p) => p.target === 'bare').map((p) => p.use.peakRssPerProcessMiB)), 0)} MiB   (target <= 1.3 x bare)`,
    `RSS idle: provider ${f(r.memory.providerIdleRssMiB, 0)} MiB over ${r.workers + (r.workers > 1 ? 1 : 0)} processes, bare ${f(r.memory.bareIdleRssMiB, 0)} MiB`,
    'CPU is the provider\'s processes (primary and workers) in cores, from /proc; RSS MiB is their sum at its peak, max/proc the largest one.',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const report = await bench(options);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  if (report.phases.some((p) => p.errors > 0)) process.exitCode = 1;
}

await main();
