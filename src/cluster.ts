import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import { createSecretBox } from './crypto/secret-box.js';
import { createDatabase, migrate } from './db/knex.js';
import type { Logger } from './log.js';
import { createKeyService } from './oidc/keys.js';

/** What a caller of the primary may add: e.g. the metrics endpoint listens to each worker's messages here. */
export interface PrimaryHooks {
  /** Called for every worker forked, the first ones and their replacements alike. */
  onWorker?(worker: Worker): void;
}

export interface Primary {
  /** The live workers. */
  workers(): Worker[];
  /** Lets every worker drain its requests and waits until all have exited. */
  stop(): Promise<void>;
}

/** A worker that lived shorter than this is replaced only after a pause, so a crash at start-up cannot spin. */
const MIN_UPTIME_MS = 5_000;
const RESPAWN_DELAY_MS = 1_000;
/** A worker still draining after this long is killed. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * A worker's V8 flags: the primary's, plus a young generation of 4 MiB semi-spaces unless
 * the operator chose a size (in the flags or NODE_OPTIONS). V8 grows it to 16 MiB under
 * load, which kept about 40 MiB more per worker resident for no throughput the benchmark
 * could tell apart (bench/RESULTS.md).
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const chosen = [...execArgv, nodeOptions].some((flag) => flag.includes('--max-semi-space-size'));
  return chosen ? [...execArgv] : [...execArgv, '--max-semi-space-size=4'];
}

/**
 * What a worker's C library is told, on top of the primary's environment. A worker whose
 * password queue runs one argon2id verify at a time needs one 19 MiB block at a time, but
 * glibc gives each libuv pool thread an arena of its own, and every thread that ever ran a
 * verify keeps its block: about 4 x 19 MiB resident. With one arena the block is reused
 * (node dist/bench/argon2-ceiling.js-style loop, one at a time: 121 -> 64 MiB, same rate).
 * Several verifies at once in one arena would be handed back and faulted in again, which
 * costs this machine more than the memory, so then nothing is set; nor over an operator's own.
 */
export function workerEnvironment(env: NodeJS.ProcessEnv, passwordConcurrency: number): Record<string, string> {
  return passwordConcurrency === 1 && env.MALLOC_ARENA_MAX === undefined ? { MALLOC_ARENA_MAX: '1' } : {};
}

/**
 * The primary of `WORKERS=N`: it prepares the storage once (migrations, the first signing
 * keys) and closes it again, then forks N identical provider processes that share the
 * port through node:cluster. It serves no request and holds no database connection itself.
 * Resolves when every worker listens; rejects if one exits before it does.
 */
export async function startPrimary(config: Config, logger: Logger, hooks: PrimaryHooks = {}): Promise<Primary> {
  // Only the storage, not the provider's services: the primary stays small.
  const db = createDatabase(config);
  try {
    await migrate(db, { tokenHashKey: config.tokenHashKey });
    await createKeyService(db, createSecretBox(config.dataKeys)).ensure();
  } finally {
    await db.destroy();
  }

  let stopping = false;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  const fork = (): Worker => {
    const worker = cluster.fork(workerEnvironment(process.env, config.passwordQueue.concurrency));
    hooks.onWorker?.(worker);
    return worker;
  };

  const first = Array.from({ length: config.workers }, fork);
  await Promise.all(
    first.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const onExit = (code: number | null, signal: string | null) =>
            reject(new Error(`worker ${worker.process.pid} exited during start-up (${signal ?? `code ${code}`})`));
          worker.once('exit', onExit);
          worker.once('listening', () => {
            worker.off('exit', onExit);
            resolve();
          });
        }),
    ),
  ).catch(async (error: unknown) => {
    stopping = true;
    await stopAll(logger);
    throw error;
  });

  const bornAt = new Map<number, number>();
  const track = (worker: Worker) => bornAt.set(worker.id, Date.now());
  first.forEach(track);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const lived = Date.now() - (bornAt.get(worker.id) ?? 0);
    bornAt.delete(worker.id);
    logger.error({ pid: worker.process.pid, exitCode: code, signal }, 'worker exited; starting another');
    setTimeout(() => {
      if (!stopping) track(fork());
    }, lived < MIN_UPTIME_MS ? RESPAWN_DELAY_MS : 0);
  });

  let stopped: Promise<void> | undefined;
  return {
    workers: () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined),
    stop() {
      stopping = true;
      stopped ??= stopAll(logger);
      return stopped;
    },
  };
}

/** SIGTERM to every worker (each closes its server, finishes in-flight requests, closes storage), then waits. */
async function stopAll(logger: Logger): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const timer = setTimeout(() => {
            logger.warn({ pid: worker.process.pid }, 'worker did not drain in time; killing it');
            worker.process.kill('SIGKILL');
          }, DRAIN_TIMEOUT_MS);
          worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          worker.process.kill('SIGTERM');
        }),
    ),
  );
}
