import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KenpoRun {
  code: number;
  stdout: string;
  stderr: string;
}

const entry = join(process.cwd(), 'dist/src/cli/kenpo.js');

/**
 * The compiled CLI as an operator runs it, against its own data directory. The child's
 * environment is built here, never inherited: CI sets DATABASE_URL and REDIS_URL globally.
 */
export function createKenpo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kenpo-cli-'));
  const baseEnv = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, PATH: process.env.PATH ?? '' };

  const run = (args: string[], env: Record<string, string> = {}): Promise<KenpoRun> =>
    new Promise((resolve) => {
      execFile(process.execPath, [entry, ...args], { env: { ...baseEnv, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  return {
    dataDir,
    run,
    /** Runs with --json, expects success and exactly one JSON document on stdout. */
    async json<T = any>(args: string[]): Promise<T> {
      // Before any `--`, after which everything is an argument (client ids may start with '-').
      const end = args.includes('--') ? args.indexOf('--') : args.length;
      const result = await run([...args.slice(0, end), '--json', ...args.slice(end)]);
      if (result.code !== 0) throw new Error(`kenpo ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export type Kenpo = ReturnType<typeof createKenpo>;
