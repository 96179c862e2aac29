import { parseArgs } from 'node:util';

/** What one run of the benchmark does. */
export interface BenchOptions {
  smoke: boolean;
  /** Provider processes (WORKERS). */
  workers: number;
  /** Members registered through the journey once and reused by later runs. */
  members: number;
  /** Seconds each load phase runs for. */
  seconds: number;
  /** Clients in flight at once in the load phases. */
  concurrency: number;
  /** Clients in flight at once on the login page. */
  pageConcurrency: number;
  /** Rows of the imported roster (new members each run). */
  importRows: number;
  /** Threads of the load generator. */
  threads: number;
  json: boolean;
  /** The phases to run (default all); fewer, to profile one. */
  phases: ReadonlySet<Phase>;
}

export const PHASES = ['page', 'login', 'refresh', 'userinfo', 'introspection', 'import', 'register', 'ceiling', 'bare'] as const;
export type Phase = (typeof PHASES)[number];

export const USAGE = `Usage: npm run bench -- [options]   (node dist/bench/run.js)

Starts the identity provider as production runs it (node dist/src/start.js, NODE_ENV=production,
WORKERS) on SQLite in a cached data directory, or on DATABASE_URL (a cached schema) and
REDIS_URL when they are set, and drives it from worker threads of this process: login page,
full logins, refresh, userinfo, introspection, member import, first registration; then the
argon2id ceiling and a bare oidc-provider for comparison.

  --smoke             a few seconds a phase and 40 members: checks that everything runs
  --workers <n>       provider processes (default 2)
  --members <n>       members registered through the journey, cached for later runs (default 2000)
  --seconds <s>       seconds per load phase (default 20)
  --concurrency <n>   clients in flight in the load phases (default 8)
  --page-concurrency <n>  clients in flight on the login page (default 32)
  --import-rows <n>   rows of the imported roster (default 10000)
  --threads <n>       load-generator threads (default 2)
  --phases <list>     only these phases, comma-separated, to profile one (default all):
                      ${PHASES.join(',')}
  --json              one JSON document instead of tables
  --help              this text

Environment: DATABASE_URL, REDIS_URL; ARGON2_MEMORY_KIB / ARGON2_TIME_COST / ARGON2_PARALLELISM
are passed to the provider; BENCH_PROVIDER_NODE_ARGS are given to the provider's node
(e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"); BENCH_CACHE_DIR (default: the system's temporary directory).`;

export class UsageError extends Error {}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a whole number above 0 (got ${JSON.stringify(value)})`);
  return Number(value);
}

function phaseList(value: string | undefined): ReadonlySet<Phase> {
  if (value === undefined) return new Set(PHASES);
  const asked = value.split(',').map((p) => p.trim());
  const unknown = asked.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0 || asked.length === 0) throw new UsageError(`--phases takes ${PHASES.join(', ')} (got ${JSON.stringify(value)})`);
  return new Set(asked as Phase[]);
}

/** Parses the command line; returns undefined when --help was asked for. */
export function parseOptions(args: string[]): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        smoke: { type: 'boolean', default: false },
        workers: { type: 'string' },
        members: { type: 'string' },
        seconds: { type: 'string' },
        concurrency: { type: 'string' },
        'page-concurrency': { type: 'string' },
        'import-rows': { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean', default: false },
        phases: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const smoke = values.smoke;
  const options: BenchOptions = {
    smoke,
    workers: positive('workers', values.workers, 2),
    members: positive('members', values.members, smoke ? 40 : 2000),
    seconds: positive('seconds', values.seconds, smoke ? 2 : 20),
    concurrency: positive('concurrency', values.concurrency, smoke ? 4 : 8),
    pageConcurrency: positive('page-concurrency', values['page-concurrency'], 32),
    importRows: positive('import-rows', values['import-rows'], smoke ? 200 : 10_000),
    threads: positive('threads', values.threads, 2),
    json: values.json,
    phases: phaseList(values.phases),
  };
  if (options.members < options.concurrency * 4) throw new UsageError(`--members (${options.members}) must be at least 4 x --concurrency: a member passes TOTP at most once per 30 s step`);
  return options;
}
