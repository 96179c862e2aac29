import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as client from 'openid-client';
import { projectRoot } from '../../src/paths.js';
import type { RunningIdp } from '../../src/server.js';
import { BrowserClient } from '../support/browser-client.js';
import { freePort, tempDataDir } from '../support/idp.js';
import { post, stepOf } from '../support/registration.js';
import { authorizationRequest, openLogin, REDIRECT_URI, submitLogin } from '../support/relying-party.js';
import { createKenpo } from './kenpo-runner.js';

/**
 * Terms are never skipped: a fresh install started as `npm start` does (no demo, nothing
 * published by an operator) installs the society's first terms, and first registration
 * shows them (seed 2-4). `kenpo migrate` does the same, and `terms publish` replaces them.
 */
const shipped = readFileSync(join(projectRoot, 'resources/terms/v1.ja.txt'), 'utf8').split('\n')[0]!;

function startServer(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [join(projectRoot, 'dist/src/start.js')], { env: { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('identity provider listening')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it listened:\n${out}`)));
  });
  return { child, ready };
}

test('a fresh start with no demo shows the shipped terms in first registration', async () => {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const kenpo = createKenpo();
  // The server and the CLI share one data directory, and on PostgreSQL + Redis one schema and key prefix.
  const { child, ready } = startServer({ ...(await kenpo.env()), NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: String(port), ISSUER: issuer });
  try {
    await ready;
    const env = { ISSUER: issuer };
    const added = JSON.parse((await kenpo.run(['members', 'add', '--symbol', '10', '--number', '4321', '--birth-date', '19900315', '--name', '新規 太郎', '--json'], env)).stdout);
    const registered = JSON.parse((await kenpo.run(['clients', 'add', '--name', 'お知らせ', '--redirect-uri', REDIRECT_URI, '--first-party', '--json'], env)).stdout);
    const config = await client.discovery(new URL(issuer), registered.client_id, registered.client_secret, undefined, { execute: [client.allowInsecureRequests] });
    const idp = { url: issuer } as RunningIdp;

    const browser = new BrowserClient();
    const login = await openLogin(browser, idp, await authorizationRequest({ config, clientId: registered.client_id, clientSecret: registered.client_secret }));
    const birthdate = await submitLogin(browser, idp, login, added.login_id, added.initial_password);
    expect(stepOf(birthdate)).toBe('birthdate');
    const terms = await post(browser, idp as never, birthdate, { birthdate: '19900315' });
    expect(stepOf(terms)).toBe('terms');
    expect(terms.body).toContain(shipped);
  } finally {
    child.kill('SIGTERM');
    kenpo.cleanup();
  }
});

test('kenpo migrate installs the first terms once; terms publish replaces them', async () => {
  const kenpo = createKenpo();
  try {
    expect(await kenpo.json(['migrate'])).toMatchObject({ terms_installed: '1' });
    expect(await kenpo.json(['migrate'])).toEqual({ applied: [], terms_installed: null });
    expect(await kenpo.json(['terms', 'show'])).toMatchObject({ version: '1' });

    const dir = tempDataDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'ja.txt'), '利用規約 第2版');
    writeFileSync(join(dir, 'en.txt'), 'Terms of use, version 2');
    await kenpo.json(['terms', 'publish', '--version', '2026-04', '--ja', join(dir, 'ja.txt'), '--en', join(dir, 'en.txt')]);
    expect(await kenpo.json(['terms', 'show'])).toMatchObject({ version: '2026-04' });
    expect(await kenpo.json(['migrate'])).toEqual({ applied: [], terms_installed: null });
  } finally {
    kenpo.cleanup();
  }
});
