import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../../src/db/knex.js';
import { openTestBackend, type TestBackend } from '../support/backend.js';

export interface KenpoRun {
  code: number;
  stdout: string;
  stderr: string;
}

const entry = join(process.cwd(), 'dist/src/cli/kenpo.js');

/**
 * The compiled CLI as an operator runs it, against its own data directory (and, when the
 * run has DATABASE_URL / REDIS_URL, its own schema and key prefix). The child's environment
 * is built here, never inherited.
 */
export function createKenpo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kenpo-cli-'));
  // Opened at the first run: createKenpo stays synchronous for the tests' beforeAll.
  let backend: Promise<TestBackend> | undefined;
  const baseEnv = async (): Promise<Record<string, string>> => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, PATH: process.env.PATH ?? '', ...(await (backend ??= openTestBackend())).env });

  const run = async (args: string[], env: Record<string, string> = {}): Promise<KenpoRun> => {
    const full = { ...(await baseEnv()), ...env };
    return new Promise((resolve) => {
      execFile(process.execPath, [entry, ...args], { env: full, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  };

  return {
    dataDir,
    /** The environment a CLI run gets (the data directory, and the run's own schema and key prefix). */
    env: baseEnv,
    run,
    /** Runs with --json, expects success and exactly one JSON document on stdout. */
    async json<T = any>(args: string[]): Promise<T> {
      // Before any `--`, after which everything is an argument (client ids may start with '-').
      const end = args.includes('--') ? args.indexOf('--') : args.length;
      const result = await run([...args.slice(0, end), '--json', ...args.slice(end)]);
      if (result.code !== 0) throw new Error(`kenpo ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    /** The database the CLI uses, opened in-process (close it before the next CLI run on SQLite). */
    async database() {
      const env = await baseEnv();
      return createDatabase({ dataDir, databaseUrl: env.DATABASE_URL });
    },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (backend) await (await backend).drop();
    },
  };
}

export type Kenpo = ReturnType<typeof createKenpo>;
