import { spawnSync } from 'node:child_process';

/**
 * `npm test`: the whole suite once on SQLite, then once more on PostgreSQL + Redis when
 * DATABASE_URL / REDIS_URL are set (each test file then gets its own schema and key
 * prefix, see test/support/backend.ts). Arguments go to jest in both passes.
 */
const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...process.argv.slice(2)];
const { DATABASE_URL, REDIS_URL, ...withoutBackends } = process.env;

function pass(title: string, env: NodeJS.ProcessEnv): number {
  process.stdout.write(`\n=== ${title} ===\n`);
  const started = Date.now();
  const { status, signal } = spawnSync(process.execPath, jest, { env, stdio: 'inherit' });
  process.stdout.write(`=== ${title}: ${status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ===\n`);
  return status ?? (signal ? 1 : 0);
}

const failures = [pass('pass 1 of 2: SQLite', withoutBackends)];
if (DATABASE_URL || REDIS_URL) {
  const names = [DATABASE_URL && 'PostgreSQL', REDIS_URL && 'Redis'].filter(Boolean).join(' + ');
  failures.push(pass(`pass 2 of 2: ${names}`, process.env));
} else {
  process.stdout.write('\n⚠ pass 2 of 2 (PostgreSQL + Redis) skipped: set DATABASE_URL and REDIS_URL to run the suite on them too\n');
}
process.exit(failures.some((status) => status !== 0) ? 1 : 0);
