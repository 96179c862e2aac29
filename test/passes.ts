import { spawnSync } from 'node:child_process';

/**
 * `npm test`: the whole suite once on SQLite, then once more on PostgreSQL + Redis when
 * DATABASE_URL / REDIS_URL are set (each test file then gets its own schema and key
 * prefix, see test/support/backend.ts). Arguments go to jest in both passes.
 */
const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...process.argv.slice(2)];
const { DATABASE_URL, REDIS_URL, ...withoutBackends } = process.env;

/** Runs jest once; nothing is printed after it, so the run ends with jest's own summary. */
function pass(title: string, env: NodeJS.ProcessEnv, before: string): { status: number; outcome: string } {
  process.stdout.write(`\n=== ${title} ===${before}\n`);
  const started = Date.now();
  const { status, signal } = spawnSync(process.execPath, jest, { env, stdio: 'inherit' });
  const code = status ?? (signal ? 1 : 0);
  return { status: code, outcome: `${title}: ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s` };
}

const backends = DATABASE_URL || REDIS_URL ? [DATABASE_URL && 'PostgreSQL', REDIS_URL && 'Redis'].filter(Boolean).join(' + ') : null;
if (!backends) process.stdout.write('\n⚠ pass 2 of 2 (PostgreSQL + Redis) skipped: set DATABASE_URL and REDIS_URL to run the suite on them too\n');
const first = pass(backends ? 'pass 1 of 2: SQLite' : 'pass 1 of 1: SQLite', withoutBackends, '');
const second = backends ? pass(`pass 2 of 2: ${backends}`, process.env, ` (before it, ${first.outcome})`) : undefined;
// The earlier pass's outcome is said before the last one starts; the exit status covers both.
process.exit([first, second].some((p) => p && p.status !== 0) ? 1 : 0);
