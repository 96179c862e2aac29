import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { BrowserClient, formAction } from '../support/browser-client.js';
import { freePort, tempDataDir } from '../support/idp.js';
import { followAll } from '../notices/support.js';

/**
 * `npm run demo` as a newcomer runs it (the compiled entry point, as a child process, on
 * free ports): it prints working credentials, serves discovery and the notices app, the
 * printed member can begin first registration from the notices app, SIGTERM stops both,
 * and a second run finds what the first one set up instead of adding it again.
 */
const dataDir = tempDataDir();
let ports: { idp: number; notices: number };

function startDemo(): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, [join(projectRoot, 'dist/src/demo.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PORT: String(ports.idp),
      NOTICES_PORT: String(ports.notices),
      NOTICES_URL: `http://localhost:${ports.notices}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C')) resolve(out);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}) before it was ready:\n${out}`)));
  });
  return { child, ready };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** The printed rows "user-id  initial-password  name". */
function printedMembers(out: string): Array<{ loginId: string; password: string }> {
  return [...out.matchAll(/^ {4}(\S+)\s+(\d{14,})\s+\S/gm)].map((m) => ({ loginId: m[1]!, password: m[2]! }));
}

beforeAll(async () => {
  ports = { idp: await freePort(), notices: await freePort() };
});

test('the demo prints its members, serves both apps, lets a printed member begin, and stops on SIGTERM', async () => {
  const { child, ready } = startDemo();
  try {
    const out = await ready;
    const members = printedMembers(out);
    expect(members.map((m) => m.loginId)).toEqual(['yamada.taro', 'sato.hanako', '3011234519600303']);
    expect(members[0]!.password).toBe('10123420010101');

    const discovery = await (await fetch(`http://localhost:${ports.idp}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({ issuer: `http://localhost:${ports.idp}`, code_challenge_methods_supported: ['S256'] });
    expect(await (await fetch(`http://localhost:${ports.notices}/healthz`)).json()).toEqual({ status: 'ok' });

    // Sign in at the notices app with the printed credentials: first registration begins.
    const browser = new BrowserClient();
    const login = await followAll(browser, await browser.get(`http://localhost:${ports.notices}/login`));
    expect(login.url).toMatch(new RegExp(`^http://localhost:${ports.idp}/interaction/[^/]+/login$`));
    const next = await browser.follow(await browser.post(formAction(login.body, login.url), { login: members[0]!.loginId, password: members[0]!.password }), `http://localhost:${ports.idp}`);
    expect(next.url).toMatch(/\/birthdate$/);
  } finally {
    expect(await stop(child)).toBe(0);
  }
});

test('a second run finds the client, members and terms of the first', async () => {
  const { child, ready } = startDemo();
  try {
    const out = await ready;
    expect(printedMembers(out)).toHaveLength(3);
    const { knex } = await import('knex');
    const db = knex({ client: 'sqlite3', connection: { filename: join(dataDir, 'idp.sqlite') }, useNullAsDefault: true });
    try {
      expect(await db('clients').count({ n: '*' })).toEqual([{ n: 1 }]);
      expect(await db('members').count({ n: '*' })).toEqual([{ n: 3 }]);
    } finally {
      await db.destroy();
    }
  } finally {
    expect(await stop(child)).toBe(0);
  }
});
