import { parseArgs } from 'node:util';

/** What one run of the benchmark does; every field has a default that fits in about a minute on 2 cores. */
export interface BenchOptions {
  /** Seconds each load scenario (logins, refresh, userinfo) runs for, unless `iterations` is given. */
  durationSeconds: number;
  /** A fixed number of operations per load scenario instead of a duration. */
  iterations: number | undefined;
  /** Operations in flight at once; each login worker has its own members. */
  concurrency: number;
  /** Fully registered members created for the login scenario. */
  members: number;
  /** Rows in the generated member CSV. */
  importRows: number;
  json: boolean;
}

export const USAGE = `Usage: node dist/bench/run.js [options]

Runs the identity provider in-process (SQLite in a temporary DATA_DIR, or DATABASE_URL /
REDIS_URL when they are set) and measures logins, token refresh, userinfo and member import.

  --duration <s>      seconds per load scenario (default 15)
  --iterations <n>    run exactly n operations per load scenario instead of a duration
  --concurrency <n>   operations in flight at once (default 8)
  --members <n>       registered members for the login scenario (default 200)
  --import-rows <n>   rows in the imported member CSV (default 10000)
  --json              print one JSON document instead of tables
  --help              show this text

Environment: DATABASE_URL, REDIS_URL and ARGON2_MEMORY_KIB / ARGON2_TIME_COST /
ARGON2_PARALLELISM are passed to the server's configuration loader.`;

export class UsageError extends Error {}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a whole number above 0 (got ${JSON.stringify(value)})`);
  return Number(value);
}

/** Parses the command line; returns undefined when --help was asked for. */
export function parseOptions(args: string[]): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        duration: { type: 'string' },
        iterations: { type: 'string' },
        concurrency: { type: 'string' },
        members: { type: 'string' },
        'import-rows': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const options: BenchOptions = {
    durationSeconds: positive('duration', values.duration, 15),
    iterations: values.iterations === undefined ? undefined : positive('iterations', values.iterations, 1),
    concurrency: positive('concurrency', values.concurrency, 8),
    members: positive('members', values.members, 200),
    importRows: positive('import-rows', values['import-rows'], 10_000),
    json: values.json,
  };
  if (options.members < options.concurrency) throw new UsageError(`--members (${options.members}) must be at least --concurrency (${options.concurrency}): two logins of one member at once would replay a TOTP code`);
  return options;
}
