import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench -- --smoke`: the whole benchmark for a few seconds a phase, on SQLite with
 * WORKERS=2. No figure is asserted (CI machines differ); every phase must run and succeed.
 */
test('the benchmark smoke run prints every phase with operations and no errors', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'kenpo-bench-smoke-'));
  try {
    // The environment is built here: CI's DATABASE_URL and REDIS_URL are for the storage suites.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(process.cwd(), 'dist/bench/run.js'), '--smoke', '--json'],
        { env: { PATH: process.env.PATH ?? '', BENCH_CACHE_DIR: cacheDir }, maxBuffer: 16 * 1024 * 1024, timeout: 280_000 },
        (error, out, err) => (error && !out ? reject(new Error(`${error.message}\n${err.slice(-3000)}`)) : resolve(out)),
      );
    });
    const report = JSON.parse(stdout) as { phases: { name: string; count: number; errors: number; errorMessages: Record<string, number> }[]; argon2Ceiling: { perSecond: number } };
    expect(report.phases.map((p) => p.name.split(' (')[0])).toEqual([
      'login page',
      'full login',
      'refresh grant',
      'userinfo',
      'introspection',
      'member import',
      'first registration',
      'bare oidc-provider: refresh grant',
      'bare oidc-provider: userinfo',
    ]);
    for (const phase of report.phases) {
      expect({ phase: phase.name, errors: phase.errorMessages }).toEqual({ phase: phase.name, errors: {} });
      expect(phase.count).toBeGreaterThan(0);
    }
    expect(report.argon2Ceiling.perSecond).toBeGreaterThan(0);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}, 300_000);
