import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createStoredIds } from '../../src/adapters/stored-ids.js';
import { createLogger } from '../../src/log.js';
import { createNoticesLogger } from '../../src/notices/log.js';
import { startIdp, type RunningIdp } from '../../src/server.js';
import { addRegisteredMember, freePort, testConfig } from '../support/idp.js';
import { registerRp, signIn } from '../support/relying-party.js';

/**
 * A database error must reach the log with its code and without the values that were
 * bound to the failing statement (knex would otherwise put them into the message).
 */

let idp: RunningIdp;
let logFile: string;

beforeAll(async () => {
  const port = await freePort();
  const config = testConfig({ PORT: String(port), ISSUER: `http://localhost:${port}`, LOG_LEVEL: 'info' });
  logFile = join(config.dataDir, 'idp.log');
  idp = await startIdp(config, createLogger(config, pino.destination({ dest: logFile, sync: true })));
});
afterAll(async () => {
  await idp.close();
  rmSync(idp.services.config.dataDir, { recursive: true, force: true });
});

test('a failed token write is logged with err.code and without the token, the client secret or the password', async () => {
  const rp = await registerRp(idp);
  const member = await addRegisteredMember(idp);
  const { tokens } = await signIn(idp, rp, member);
  // Every write to a stored refresh token now fails inside SQLite, as a constraint would.
  await idp.services.db.raw(`create trigger fail_refresh before update on oidc_models when old.kind = 'RefreshToken' begin select raise(abort, 'forced failure'); end`);
  try {
    const basic = Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.clientSecret)}`).toString('base64');
    const res = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }).toString(),
    });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toBe('server_error');
  } finally {
    await idp.services.db.raw('drop trigger fail_refresh');
  }

  const log = readFileSync(logFile, 'utf8');
  const entry = log.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { err?: { code?: string; message?: string } }).find((e) => e.err?.message?.includes('forced failure'));
  expect(entry?.err?.code).toBe('SQLITE_CONSTRAINT');
  // Nor the keyed hash the refresh token is stored under: that is the value bound to the failing statement.
  const storedId = createStoredIds(idp.services.config.tokenHashKey).hash(tokens.refresh_token!);
  for (const secret of [tokens.refresh_token!, storedId, tokens.access_token, rp.clientSecret, member.password]) expect(log).not.toContain(secret);
});

test('both loggers keep err.code but redact a form or query field called code', () => {
  for (const make of [createLogger, createNoticesLogger]) {
    const lines: string[] = [];
    const logger = make({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) });
    const err = Object.assign(new Error('duplicate key'), { code: '23505', detail: 'Key (id)=(tok-SECRET-3) already exists.' });
    logger.warn({ err, code: 'top-SECRET-1', query: { code: 'query-SECRET-2' } }, 'failed');
    const [entry] = lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(entry!.err.code).toBe('23505');
    expect(lines.join('')).not.toMatch(/SECRET/);
  }
});
