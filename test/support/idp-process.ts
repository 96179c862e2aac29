import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './idp.js';

const IDP_ENTRY = 'dist/src/start.js';

export interface IdpProcess {
  /** http://127.0.0.1:<port>, where this process listens (its ISSUER may name another). */
  url: string;
  port: number;
  child: ChildProcess;
  /** What the process wrote so far, for failure messages. */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`); resolves to the exit code or signal. */
  stop(graceMs?: number): Promise<number | string | null>;
}

export interface IdpProcessOptions {
  /** The whole environment of the child besides PORT (never inherited: CI sets DATABASE_URL globally). */
  env: Record<string, string>;
  /** Defaults to a free port. */
  port?: number;
  /** How long to wait for /healthz to answer 200. */
  startTimeoutMs?: number;
  /** Another compiled entry point with a /healthz, e.g. 'dist/src/notices/main.js'. */
  entry?: string;
  /** The variable that takes the port ('NOTICES_PORT' for the notices app). */
  portVariable?: string;
}

/**
 * The compiled provider (`node dist/src/start.js`) as its own OS process, for tests of
 * several processes sharing one PostgreSQL and Redis. Resolves once /healthz answers 200.
 */
export async function startIdpProcess({ env, port: wanted, startTimeoutMs = 20_000, entry = IDP_ENTRY, portVariable = 'PORT' }: IdpProcessOptions): Promise<IdpProcess> {
  const port = wanted ?? (await freePort());
  const child = spawn(process.execPath, [join(process.cwd(), entry)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, [portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`the provider process exited before it was ready:\n${output}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the provider process did not answer /healthz within ${startTimeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    port,
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (gone) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
